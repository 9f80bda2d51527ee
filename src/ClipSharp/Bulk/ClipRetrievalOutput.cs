using System.Globalization;
using ClipSharp.IO;
using Parquet;
using Parquet.Schema;

namespace ClipSharp.Bulk;

/// <summary>
/// The folder layout clip-retrieval's inference writes and LAION-scale tooling (autofaiss, vector databases) reads:
/// per rank <c>img_emb/img_emb_{rank}.npy</c> (image rows) or <c>text_emb/text_emb_{rank}.npy</c> (text rows), and
/// <c>metadata/metadata_{rank}.parquet</c>, whose row i describes embedding row i (<c>image_path</c> for images,
/// <c>caption</c> for texts; <c>image_path</c>, <c>key</c> and <c>caption</c> for captioned samples). Each file is written atomically, the metadata last, so a rank's metadata file is there
/// only when its embeddings are complete.
/// </summary>
public static class ClipRetrievalOutput
{
    public const string FormatName = "clip-retrieval";
    public const string ImagePathColumn = "image_path";
    public const string CaptionColumn = "caption";
    public const string KeyColumn = "key";

    /// <summary>The metadata file's key-value entry that names the share written (<see cref="ShareFingerprint"/>).</summary>
    public const string ShareKey = "clipsharp.share";

    public static string ImageEmbeddings(string folder, int rank) => Path.Combine(folder, "img_emb", $"img_emb_{Rank(rank)}.npy");

    public static string TextEmbeddings(string folder, int rank) => Path.Combine(folder, "text_emb", $"text_emb_{Rank(rank)}.npy");

    public static string Metadata(string folder, int rank) => Path.Combine(folder, "metadata", $"metadata_{Rank(rank)}.parquet");

    /// <summary>The files of <paramref name="rank"/> that already exist in <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> Existing(string folder, int rank)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return [.. new[] { ImageEmbeddings(folder, rank), TextEmbeddings(folder, rank), Metadata(folder, rank) }.Where(File.Exists)];
    }

    /// <summary>
    /// The files in <paramref name="folder"/> of ranks a job of <paramref name="size"/> does not have: left by a run
    /// with more ranks, they would be read as part of this one's output.
    /// </summary>
    public static IReadOnlyList<string> OtherRanks(string folder, int size)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var found = new List<string>();
        foreach ((string sub, string prefix, string extension) in new[] { ("img_emb", "img_emb_", ".npy"), ("text_emb", "text_emb_", ".npy"), ("metadata", "metadata_", ".parquet") })
        {
            string dir = Path.Combine(folder, sub);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(dir, prefix + "*" + extension))
            {
                string number = Path.GetFileName(file)[prefix.Length..^extension.Length];
                if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int rank) && rank >= size)
                {
                    found.Add(file);
                }
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>
    /// Writes one rank's successful results (all images or all texts; failures are left out) and returns how many
    /// rows it wrote. Without <paramref name="overwrite"/> an existing file of this rank is an error. A
    /// <paramref name="share"/> name is recorded in the metadata file (<see cref="ShareKey"/>, read by <see cref="RecordedShare"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The results mix images and texts, or an embedding is not <paramref name="dimension"/> long.</exception>
    /// <exception cref="IOException">A file of this rank exists and <paramref name="overwrite"/> is false.</exception>
    public static int Write(
        string folder, int rank, IReadOnlyList<EmbeddingResult> results, int dimension, EmbeddingPrecision precision, bool overwrite = false, string? share = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        List<EmbeddingResult> good = [.. results.Where(r => r.Success)];
        if (good.Select(r => r.Kind).Distinct().Count() > 1)
        {
            throw new ArgumentException(
                $"{FormatName} output pairs each embedding row with one metadata row, so it holds images or texts, not both; embed them into two folders.", nameof(results));
        }

        bool texts = good.Count > 0 && good[0].Kind == EmbeddingKind.Text;
        string[] inputs = [.. good.Select(r => r.Input)];
        return WriteRows(folder, rank, good, texts, dimension, precision, overwrite, share, [(texts ? CaptionColumn : ImagePathColumn, inputs)], nameof(results));
    }

    /// <summary>
    /// Writes one rank's successfully embedded samples (failures are left out) as image rows whose metadata holds
    /// <see cref="ImagePathColumn"/> (the image's name: shard and member), <see cref="KeyColumn"/> and
    /// <see cref="CaptionColumn"/>, as clip-retrieval does for webdataset input; otherwise as <see cref="Write"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A result is a text's, or an embedding is not <paramref name="dimension"/> long.</exception>
    /// <exception cref="IOException">A file of this rank exists and <paramref name="overwrite"/> is false.</exception>
    public static int WriteSamples(
        string folder, int rank, IReadOnlyList<SampleEmbedding> samples, int dimension, EmbeddingPrecision precision, bool overwrite = false, string? share = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        List<SampleEmbedding> good = [.. samples.Where(s => s.Result.Success)];
        if (good.Any(s => s.Result.Kind != EmbeddingKind.Image))
        {
            throw new ArgumentException($"{FormatName} samples are images with captions; a text result has no place among them.", nameof(samples));
        }

        return WriteRows(
            folder, rank, [.. good.Select(s => s.Result)], texts: false, dimension, precision, overwrite, share,
            [(ImagePathColumn, [.. good.Select(s => s.Result.Input)]), (KeyColumn, [.. good.Select(s => s.Key)]), (CaptionColumn, [.. good.Select(s => s.Caption)])],
            nameof(samples));
    }

    // good: successful results of one kind, row i of the matrix; columns: the metadata, row i describing row i;
    // argument: the caller's parameter the results came from, for the error of a wrong-sized embedding.
    private static int WriteRows(
        string folder, int rank, List<EmbeddingResult> good, bool texts, int dimension, EmbeddingPrecision precision, bool overwrite, string? share,
        (string Name, string[] Values)[] columns, string argument)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var matrix = new float[good.Count * dimension];
        for (int i = 0; i < good.Count; i++)
        {
            if (good[i].Embedding!.Length != dimension)
            {
                throw new ArgumentException($"{good[i].Input}: embedding has {good[i].Embedding!.Length} values, expected {dimension}.", argument);
            }

            good[i].Embedding.AsSpan().CopyTo(matrix.AsSpan(i * dimension));
        }

        string embeddings = texts ? TextEmbeddings(folder, rank) : ImageEmbeddings(folder, rank);
        Directory.CreateDirectory(Path.GetDirectoryName(embeddings)!);
        Directory.CreateDirectory(Path.GetDirectoryName(Metadata(folder, rank))!);
        if (!overwrite && Existing(folder, rank) is { Count: > 0 } existing)
        {
            throw new IOException($"{existing[0]}: the file already exists; pass overwrite to replace it.");
        }

        if (precision == EmbeddingPrecision.Float16)
        {
            var half = new Half[matrix.Length];
            for (int i = 0; i < matrix.Length; i++)
            {
                half[i] = (Half)matrix[i];
            }

            NpyWriter.WriteFile(embeddings, half, good.Count, dimension, overwrite);
        }
        else
        {
            NpyWriter.WriteFile(embeddings, matrix, good.Count, dimension, overwrite);
        }

        AtomicFile.Write(Metadata(folder, rank), s => WriteMetadata(s, columns, share).GetAwaiter().GetResult(), overwrite);
        return good.Count;
    }

    /// <summary>
    /// The share recorded in <paramref name="rank"/>'s metadata file, or null when there is none (no file, another
    /// writer's file, or one that does not read as Parquet).
    /// </summary>
    public static string? RecordedShare(string folder, int rank)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = Metadata(folder, rank);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return ReadShare(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetException)
        {
            return null;
        }
    }

    private static async Task<string?> ReadShare(string path)
    {
        await using ParquetReader reader = await ParquetReader.CreateAsync(path).ConfigureAwait(false);
        return reader.CustomMetadata.TryGetValue(ShareKey, out string? share) ? share : null;
    }

    private static async Task WriteMetadata(Stream stream, (string Name, string[] Values)[] columns, string? share)
    {
        DataField<string>[] fields = [.. columns.Select(c => new DataField<string>(c.Name))];
        var schema = new ParquetSchema(fields);

        // The writer's footer is written when it is disposed, before the atomic write flushes and renames.
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, stream).ConfigureAwait(false);
        if (share is not null)
        {
            writer.CustomMetadata = new Dictionary<string, string> { [ShareKey] = share };
        }

        if (columns[0].Values.Length > 0)
        {
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            for (int i = 0; i < columns.Length; i++)
            {
                await group.WriteAsync(fields[i], columns[i].Values).ConfigureAwait(false);
            }
        }
    }

    private static string Rank(int rank) => rank.ToString(CultureInfo.InvariantCulture);
}
