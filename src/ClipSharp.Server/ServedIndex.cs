using ClipSharp.Search;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>
/// The index the server searches, if it was given one. Files are served only through its entries, looked up by
/// id: nothing a client sends is ever used as a path.
/// </summary>
internal sealed class ServedIndex(SearchIndex? index)
{
    public SearchIndex? Index { get; } = index;

    public SearchIndex Require()
        => Index ?? throw new ApiException(StatusCodes.Status404NotFound, "no_index", "this server has no index; start it with --index PATH to search.");

    /// <summary>The entry named by a route or query value: a whole number that is an id in the index.</summary>
    public IndexEntry Entry(string? id, string name = "id")
    {
        SearchIndex index = Require();
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            throw ApiException.BadRequest($"'{name}' must be an entry id (a whole number), got '{id}'.");
        }

        return index.Find(value) ?? throw ApiException.NotFound($"no entry with id {value} in the index.");
    }

    /// <summary>
    /// The file behind an image entry, as it is now. A file deleted since indexing, or replaced by a link (which
    /// could point anywhere), is not served.
    /// </summary>
    public FileInfo ImageFile(IndexEntry entry)
    {
        if (Require().Kind != EntryKind.Image)
        {
            throw ApiException.NotFound($"entry {entry.Id} is a caption, not an image.");
        }

        var file = new FileInfo(entry.Source);
        if (!file.Exists || file.LinkTarget is not null)
        {
            throw ApiException.NotFound($"the image of entry {entry.Id} is no longer on disk.");
        }

        return file;
    }
}
