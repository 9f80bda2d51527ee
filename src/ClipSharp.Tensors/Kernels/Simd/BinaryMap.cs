using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ClipSharp.Tensors.Kernels.Operators;

namespace ClipSharp.Tensors.Kernels.Simd;

// z[i] = op(x[i], y[i]) for i < n; z may alias x or y exactly. The widths step down as in UnaryMap.
internal static class BinaryMap
{
    // The same over a whole tensor, in chunks spread over the engine's threads (MapChunks: same bits at any count).
    public static unsafe void RunParallel<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, int cost, KernelIsa isa)
        where TOp : struct, IBinaryOperator
    {
        int n = x.Length;
        if (MapChunks.RunsInline(n, cost))
        {
            Run(op, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(z), n, isa);
            return;
        }

        fixed (float* xp = x, yp = y, zp = z)
        {
            Fork(op, xp, yp, zp, n, cost, isa);
        }
    }

    private static unsafe void Fork<TOp>(TOp op, float* x, float* y, float* z, int n, int cost, KernelIsa isa)
        where TOp : struct, IBinaryOperator
        => KernelParallel.For(MapChunks.Count(n), MapChunks.WorkPerChunk(cost), new Chunks<TOp>(op, x, y, z, n, isa));

    public static void Run<TOp>(TOp op, ref float x, ref float y, ref float z, int n, KernelIsa isa)
        where TOp : struct, IBinaryOperator
    {
        int i = 0;
        switch (isa)
        {
            case KernelIsa.Vector512:
                i = Vectors<TOp, Simd512, Vector512<float>>(op, ref x, ref y, ref z, n, i);
                goto case KernelIsa.Vector256;
            case KernelIsa.Vector256:
                i = Vectors<TOp, Simd256, Vector256<float>>(op, ref x, ref y, ref z, n, i);
                break;
            case KernelIsa.Vector128:
                i = Vectors<TOp, Simd128, Vector128<float>>(op, ref x, ref y, ref z, n, i);
                break;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref z, i) = op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
        }
    }

    private static int Vectors<TOp, TWidth, TVec>(TOp op, ref float x, ref float y, ref float z, int n, int i)
        where TOp : struct, IBinaryOperator
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct
    {
        int w = TWidth.Count;
        for (; TWidth.MapUnroll >= 2 && i <= n - (2 * w); i += 2 * w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i), TWidth.Load(ref y, (nuint)i)), ref z, (nuint)i);
            nuint j = (nuint)(i + w);
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, j), TWidth.Load(ref y, j)), ref z, j);
        }

        for (; i <= n - w; i += w)
        {
            TWidth.Store(op.Invoke<TWidth, TVec>(TWidth.Load(ref x, (nuint)i), TWidth.Load(ref y, (nuint)i)), ref z, (nuint)i);
        }

        return i;
    }

    private readonly unsafe struct Chunks<TOp>(TOp op, float* x, float* y, float* z, int n, KernelIsa isa) : IForkBody
        where TOp : struct, IBinaryOperator
    {
        public void Run(int chunk)
        {
            int start = MapChunks.Start(chunk);
            BinaryMap.Run(op, ref x[start], ref y[start], ref z[start], MapChunks.LengthOf(chunk, n), isa);
        }
    }
}
