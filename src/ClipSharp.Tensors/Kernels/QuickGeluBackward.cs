using System.Numerics.Tensors;

namespace ClipSharp.Tensors.Kernels;

public static class QuickGeluBackward
{
    private const int Chunk = 4096;

    // y = x·σ(1.702x), so dy/dx = σ + 1.702·x·σ·(1 − σ). x: the forward input; dx may alias dy.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        KernelArgs.Length(dy.Length, x.Length, nameof(dy), $"[n={x.Length}]");
        KernelArgs.Length(dx.Length, x.Length, nameof(dx), $"[n={x.Length}]");
        // Two chunks of scratch, rented so that a training step allocates nothing.
        float[] scratch = System.Buffers.ArrayPool<float>.Shared.Rent(2 * Chunk);
        Span<float> s = scratch.AsSpan(0, Math.Min(Chunk, x.Length));
        Span<float> t = scratch.AsSpan(Chunk, s.Length);
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            ReadOnlySpan<float> xc = x.Slice(start, n);
            Span<float> sc = s[..n];
            Span<float> tc = t[..n];
            TensorPrimitives.Multiply(xc, 1.702f, sc);
            TensorPrimitives.Sigmoid(sc, sc);

            // σ + 1.702·x·σ·(1 − σ) = σ·(1 + 1.702·x·(1 − σ))
            TensorPrimitives.Subtract(1f, sc, tc);
            TensorPrimitives.Multiply(tc, xc, tc);
            TensorPrimitives.Multiply(tc, 1.702f, tc);
            TensorPrimitives.Add(tc, 1f, tc);
            TensorPrimitives.Multiply(tc, sc, tc);
            TensorPrimitives.Multiply(tc, dy.Slice(start, n), dx.Slice(start, n));
        }

        System.Buffers.ArrayPool<float>.Shared.Return(scratch);
    }
}
