using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// y[i] = op(x[i]) for i < n; y may alias x exactly. Whole vectors of the chosen width (four at a time where the
// width's MapUnroll allows, then one), then from Vector512 whole Vector256 vectors, then the scalar body for the rest: every element goes
// through the vector body unless fewer than a Vector256 (or, at Vector128, a Vector128) remain.
internal static class UnaryMap
{
    // The same over a whole tensor, in chunks spread over the engine's threads (MapChunks: same bits at any count).
    public static unsafe void RunParallel<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, int cost, KernelIsa isa)
        where TOp : struct, IUnaryOperator
    {
        int n = x.Length;
        if (MapChunks.RunsInline(n, cost))
        {
            Run(op, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), n, isa);
            return;
        }

        fixed (float* xp = x, yp = y)
        {
            Fork(op, xp, yp, n, cost, isa);
        }
    }

    private static unsafe void Fork<TOp>(TOp op, float* x, float* y, int n, int cost, KernelIsa isa)
        where TOp : struct, IUnaryOperator
        => KernelParallel.For(MapChunks.Count(n), MapChunks.WorkPerChunk(cost), new Chunks<TOp>(op, x, y, n, isa));

    public static void Run<TOp>(TOp op, ref float x, ref float y, int n, KernelIsa isa)
        where TOp : struct, IUnaryOperator
    {
        int i = 0;
        switch (isa)
        {
            case KernelIsa.Vector512:
                i = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, ref y, n, i);
                goto case KernelIsa.Vector256;
            case KernelIsa.Vector256:
                i = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, ref y, n, i);
                break;
            case KernelIsa.Vector128:
                i = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, ref y, n, i);
                break;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) = op.Invoke(Unsafe.Add(ref x, i));
        }
    }

    private static int Vectors<TOp, TWidth, TVec>(TOp op, ref float x, ref float y, int n, int i)
        where TOp : struct, IUnaryOperator
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int w = TWidth.Count;
        for (; TWidth.MapUnroll >= 4 && i <= n - (4 * w); i += 4 * w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i)), ref y, (nuint)i);
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)(i + w))), ref y, (nuint)(i + w));
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)(i + (2 * w)))), ref y, (nuint)(i + (2 * w)));
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)(i + (3 * w)))), ref y, (nuint)(i + (3 * w)));
        }

        for (; i <= n - w; i += w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i)), ref y, (nuint)i);
        }

        return i;
    }

    private readonly unsafe struct Chunks<TOp>(TOp op, float* x, float* y, int n, KernelIsa isa) : IForkBody
        where TOp : struct, IUnaryOperator
    {
        public void Run(int chunk)
        {
            int start = MapChunks.Start(chunk);
            UnaryMap.Run(op, ref x[start], ref y[start], MapChunks.LengthOf(chunk, n), isa);
        }
    }
}
