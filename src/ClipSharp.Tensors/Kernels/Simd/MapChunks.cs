namespace ClipSharp.Tensors.Kernels.Simd;

// How an element-wise map over a whole tensor is split over threads. Each chunk is a whole number of 64-float blocks
// (four Vector512s, the largest step any map takes) except the last, which ends where the tensor ends. So every
// element goes through the same vector or scalar body as in one serial pass, and the result is the same bits at any
// thread count.
internal static class MapChunks
{
    // 64 KiB of floats per chunk: big enough to amortise handing out an item, small enough to balance two threads.
    public const int Length = 1 << 14;

    public static int Count(int n) => (n + Length - 1) / Length;

    public static int Start(int chunk) => chunk * Length;

    public static int LengthOf(int chunk, int n) => Math.Min(Length, n - (chunk * Length));

    // cost: rough vector operations per element, so that cheap maps (an add) need more elements to be worth forking.
    public static bool RunsInline(int n, int cost) => KernelParallel.RunsInline(Count(n), (long)Length * cost);

    public static long WorkPerChunk(int cost) => (long)Length * cost;
}
