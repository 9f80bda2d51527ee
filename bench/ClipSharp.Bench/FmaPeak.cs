using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Bench;

/// <summary>
/// The machine's fused multiply-add peak, measured with a register-only loop at the widest vector our kernels
/// use, so that every kernel's GFLOPS can be read as a fraction of what the cores can do.
/// </summary>
internal static class FmaPeak
{
    // Ten independent accumulators cover the FMA latency × throughput product of every x64 and ARM64 core in
    // use (4-cycle latency × 2 pipes = 8 in flight), so the loop is bound by issue rate, not by the chain.
    private const int Chains = 10;
    private const long Iterations = 20_000_000;

    /// <summary>GFLOPS per core on one thread, and in total on <paramref name="threads"/> threads at once.</summary>
    public static (double PerCore, double Total) Measure(int threads)
    {
        Run(Iterations / 20);
        double one = Gflops(1);
        double all = threads > 1 ? Gflops(threads) : one;
        return (one, all);
    }

    private static double Gflops(int threads)
    {
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var stopwatch = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Run(Iterations));
            double seconds = stopwatch.Elapsed.TotalSeconds;
            best = Math.Max(best, threads * Iterations * Chains * FlopsPerFma() / seconds / 1e9);
        }

        return best;
    }

    private static int FlopsPerFma() => 2 * (Vector512.IsHardwareAccelerated ? Vector512<float>.Count
        : Vector256.IsHardwareAccelerated ? Vector256<float>.Count
        : Vector128<float>.Count);

    private static float Run(long iterations) =>
        Vector512.IsHardwareAccelerated ? Loop<Width512, Vector512<float>>(iterations)
        : Vector256.IsHardwareAccelerated ? Loop<Width256, Vector256<float>>(iterations)
        : Loop<Width128, Vector128<float>>(iterations);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop<TWidth, T>(long iterations)
        where TWidth : IWidth<T>
    {
        // The multiplier keeps the values bounded; the sum is returned so the JIT cannot drop the loop.
        T a = TWidth.Create(0.999999f), b = TWidth.Create(1e-7f);
        T c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = TWidth.Fma(c0, a, b); c1 = TWidth.Fma(c1, a, b); c2 = TWidth.Fma(c2, a, b); c3 = TWidth.Fma(c3, a, b);
            c4 = TWidth.Fma(c4, a, b); c5 = TWidth.Fma(c5, a, b); c6 = TWidth.Fma(c6, a, b); c7 = TWidth.Fma(c7, a, b);
            c8 = TWidth.Fma(c8, a, b); c9 = TWidth.Fma(c9, a, b);
        }

        return TWidth.Sum(c0) + TWidth.Sum(c1) + TWidth.Sum(c2) + TWidth.Sum(c3) + TWidth.Sum(c4)
            + TWidth.Sum(c5) + TWidth.Sum(c6) + TWidth.Sum(c7) + TWidth.Sum(c8) + TWidth.Sum(c9);
    }

    private interface IWidth<T>
    {
        static abstract T Create(float value);

        static abstract T Fma(T a, T b, T c);

        static abstract float Sum(T v);
    }

    private readonly struct Width512 : IWidth<Vector512<float>>
    {
        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

        public static float Sum(Vector512<float> v) => Vector512.Sum(v);
    }

    private readonly struct Width256 : IWidth<Vector256<float>>
    {
        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

        public static float Sum(Vector256<float> v) => Vector256.Sum(v);
    }

    private readonly struct Width128 : IWidth<Vector128<float>>
    {
        public static Vector128<float> Create(float value) => Vector128.Create(value);

        public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);

        public static float Sum(Vector128<float> v) => Vector128.Sum(v);
    }
}
