namespace ClipSharp.Bulk;

/// <summary>How embeddings are stored in a .npy file.</summary>
public enum EmbeddingPrecision
{
    /// <summary>float32 (<c>&lt;f4</c>): the embeddings exactly as computed.</summary>
    Float32,

    /// <summary>float16 (<c>&lt;f2</c>): half the bytes, rounded to nearest; what LAION's embeddings ship as.</summary>
    Float16,
}
