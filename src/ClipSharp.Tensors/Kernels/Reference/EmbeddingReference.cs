namespace ClipSharp.Tensors.Kernels.Reference;

internal static class EmbeddingReference
{
    // table: [vocab, dim]; ids: [n]; y: [n, dim].
    public static void Forward(ReadOnlySpan<float> table, ReadOnlySpan<int> ids, Span<float> y, int dim)
    {
        int vocab = table.Length / dim;
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {ids[i]} at position {i} is outside the vocabulary of {vocab}.");
            }

            table.Slice(ids[i] * dim, dim).CopyTo(y.Slice(i * dim, dim));
        }
    }
}
