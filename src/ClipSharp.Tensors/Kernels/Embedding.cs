namespace ClipSharp.Tensors.Kernels;

public static class Embedding
{
    // table: [vocab, dim]; ids: [n]; y: [n, dim]. An id outside the table is an error, never a wild read.
    public static void Forward(ReadOnlySpan<float> table, ReadOnlySpan<int> ids, Span<float> y, int dim)
    {
        KernelArgs.Positive(dim, nameof(dim));
        if (table.Length % dim != 0)
        {
            throw new ArgumentException($"table holds {table.Length} elements, not a whole number of rows of dim {dim}.", nameof(table));
        }

        KernelArgs.Length(y.Length, (long)ids.Length * dim, nameof(y), $"[n={ids.Length}, dim={dim}]");
        int vocab = table.Length / dim;

        // Check every id before writing anything, so a bad batch leaves y untouched.
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(ids), ids[i], $"token id {ids[i]} at position {i} is outside the vocabulary of {vocab}.");
            }
        }

        for (int i = 0; i < ids.Length; i++)
        {
            table.Slice(ids[i] * dim, dim).CopyTo(y.Slice(i * dim, dim));
        }
    }
}
