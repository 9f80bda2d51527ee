namespace ClipSharp.Search;

/// <summary>What an index holds: image files (searched by text or by image) or captions (image→text search).</summary>
public enum EntryKind
{
    Image = 0,
    Text = 1,
}
