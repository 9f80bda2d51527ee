namespace ClipSharp.Tensors.Kernels;

public static class EmbeddingBackward
{
    // ids: [n]; dy: [n, dim] -> dTable: [vocab, dim], accumulated (a repeated id sums its rows; unused rows stay).
    public static void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<float> dy, Span<float> dTable, int dim)
    {
        KernelArgs.Positive(dim, nameof(dim));
        KernelArgs.Length(dy.Length, (long)ids.Length * dim, nameof(dy), $"[n={ids.Length}, dim={dim}]");
        int vocab = dTable.Length / dim;
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(ids), ids[i], $"token id {ids[i]} at position {i} is outside the vocabulary of {vocab}.");
            }

            System.Numerics.Tensors.TensorPrimitives.Add(
                dTable.Slice(ids[i] * dim, dim), dy.Slice(i * dim, dim), dTable.Slice(ids[i] * dim, dim));
        }
    }
}
