using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class Embedding
{
    // table: [vocab, dim]; ids: [n]; y: [n, dim]. An id outside the table is an error, never a wild read.
    public static void Forward(ReadOnlySpan<float> table, ReadOnlySpan<int> ids, Span<float> y, int dim)
        => EmbeddingReference.Forward(table, ids, y, dim);
}
