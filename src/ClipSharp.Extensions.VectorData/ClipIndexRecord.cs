using Microsoft.Extensions.VectorData;

namespace ClipSharp.VectorData;

/// <summary>
/// One entry of a ClipSharp index as a vector-store record: the key is the entry's source (an image path or a
/// caption), the data properties are the catalog's metadata, and <see cref="Embedding"/> is its normalised CLIP
/// embedding. The vector's width depends on the model, so the attributes cannot state it: another store takes this
/// record type with <see cref="Definition(int)"/>.
/// </summary>
public sealed class ClipIndexRecord
{
    /// <summary>The image file's path, or the caption: unique in an index.</summary>
    [VectorStoreKey]
    public string Source { get; set; } = string.Empty;

    /// <summary>The catalog's id, assigned by the index and kept when an entry is replaced; ignored on upsert.</summary>
    [VectorStoreData]
    public long Id { get; set; }

    /// <summary>The file's size in bytes (a caption's length in characters).</summary>
    [VectorStoreData]
    public long Size { get; set; }

    /// <summary>The file's last write time (UTC ticks) when it was embedded; 0 for captions.</summary>
    [VectorStoreData]
    public long MtimeTicks { get; set; }

    /// <summary>The SHA-256 of the file's content, hex; null for captions.</summary>
    [VectorStoreData]
    public string? Hash { get; set; }

    [VectorStoreData]
    public int Width { get; set; }

    [VectorStoreData]
    public int Height { get; set; }

    /// <summary>
    /// The embedding, filled on reads only when asked for (<c>IncludeVectors</c>); required on upsert, where it is
    /// stored normalised.
    /// </summary>
    public ReadOnlyMemory<float>? Embedding { get; set; }

    /// <summary>The schema of this record with a <paramref name="dimensions"/>-wide cosine vector, for stores that need it stated.</summary>
    public static VectorStoreCollectionDefinition Definition(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        return new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Source), typeof(string)),
                new VectorStoreDataProperty(nameof(Id), typeof(long)),
                new VectorStoreDataProperty(nameof(Size), typeof(long)),
                new VectorStoreDataProperty(nameof(MtimeTicks), typeof(long)),
                new VectorStoreDataProperty(nameof(Hash), typeof(string)),
                new VectorStoreDataProperty(nameof(Width), typeof(int)),
                new VectorStoreDataProperty(nameof(Height), typeof(int)),
                new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>?), dimensions)
                {
                    DistanceFunction = DistanceFunction.CosineSimilarity,
                },
            ],
        };
    }
}
