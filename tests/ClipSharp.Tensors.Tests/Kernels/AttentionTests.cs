using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// Fused attention against the double oracle: 2e-6 relative plus 2e-6 absolute (outputs are convex
// combinations of values in [-1, 1]; scores are float32 dot products as in PyTorch).
public sealed class AttentionTests
{
    private const double Rtol = 2e-6;
    private const double Atol = 2e-6;

    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    // (batch, heads, queryLength, keyLength, headDim)
    private static readonly (int B, int H, int Tq, int Tk, int D)[] Shapes =
    [
        (1, 1, 1, 1, 1), (1, 1, 1, 5, 3), (2, 3, 7, 7, 16), (1, 2, 5, 9, 17), (3, 1, 4, 4, 64),
        (1, 4, 13, 13, 8), (2, 2, 1, 50, 33), (1, 8, 17, 17, 64), (1, 3, 33, 33, 24), (2, 1, 9, 3, 7),
        (1, 2, 77, 77, 32), (1, 1, 2, 130, 80),
    ];

    [Theory]
    [MemberData(nameof(Isas))]
    public void MatchesOracle_Contiguous(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(41);
        foreach ((int b, int h, int tq, int tk, int d) in Shapes)
        {
            foreach (bool causal in (bool[])[false, true])
            {
                if (causal && tq != tk)
                {
                    continue;
                }

                int w = h * d;
                float[] q = KernelTestKit.Uniform(random, b * tq * w, -1.5f, 1.5f);
                float[] k = KernelTestKit.Uniform(random, b * tk * w, -1.5f, 1.5f);
                float[] v = KernelTestKit.Uniform(random, b * tk * w, -1f, 1f);
                var expected = new float[b * tq * w];
                var actual = new float[b * tq * w];
                AttentionReference.Forward(q, w, k, w, v, w, expected, w, b, h, tq, tk, d, causal);
                Attention.Forward(q, w, k, w, v, w, actual, w, b, h, tq, tk, d, causal, isa);
                KernelTestKit.Close(expected, actual, Rtol, Atol, $"{isaName} B={b} H={h} Tq={tq} Tk={tk} D={d} causal={causal}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void MatchesOracle_PackedQkv(string isaName)
    {
        // q, k, v as column slices of one [B*T, 3W] buffer, the output into a wider [B*T, W + 5] buffer.
        KernelIsa isa = KernelTestKit.Isa(isaName);
        var random = new Random(42);
        foreach ((int b, int h, int t, int d) in ((int, int, int, int)[])[(2, 4, 11, 16), (1, 3, 20, 9), (3, 2, 6, 64)])
        {
            foreach (bool causal in (bool[])[false, true])
            {
                int w = h * d;
                int stride = 3 * w;
                int oStride = w + 5;
                float[] qkv = KernelTestKit.Uniform(random, b * t * stride, -1.5f, 1.5f);
                var expected = new float[b * t * oStride];
                var actual = new float[b * t * oStride];
                ReadOnlySpan<float> all = qkv;
                AttentionReference.Forward(all, stride, all[w..], stride, all[(2 * w)..], stride, expected, oStride, b, h, t, t, d, causal);
                Attention.Forward(all, stride, all[w..], stride, all[(2 * w)..], stride, actual, oStride, b, h, t, t, d, causal, isa);
                KernelTestKit.Close(expected, actual, Rtol, Atol, $"packed {isaName} B={b} H={h} T={t} D={d} causal={causal}");
            }
        }
    }

    [Fact]
    public void AttentionPoolShape_OneQueryManyKeys_RunsInParallel()
    {
        // The ResNet attention pool: one query against HW+1 keys, many heads.
        const int b = 3, h = 32, tq = 1, tk = 50, d = 64;
        var random = new Random(43);
        int w = h * d;
        float[] q = KernelTestKit.Uniform(random, b * tq * w, -1f, 1f);
        float[] k = KernelTestKit.Uniform(random, b * tk * w, -1f, 1f);
        float[] v = KernelTestKit.Uniform(random, b * tk * w, -1f, 1f);
        var expected = new float[b * tq * w];
        var actual = new float[b * tq * w];
        AttentionReference.Forward(q, w, k, w, v, w, expected, w, b, h, tq, tk, d, false);
        Attention.Forward(q, w, k, w, v, w, actual, w, b, h, tq, tk, d, false);
        KernelTestKit.Close(expected, actual, Rtol, Atol, "attention pool");
    }

    [Fact]
    public void CausalRows_IgnoreFutureKeys()
    {
        // Poisoning keys and values after position i must not change row i.
        const int t = 9, d = 8;
        var random = new Random(44);
        float[] q = KernelTestKit.Uniform(random, t * d, -1f, 1f);
        float[] k = KernelTestKit.Uniform(random, t * d, -1f, 1f);
        float[] v = KernelTestKit.Uniform(random, t * d, -1f, 1f);
        var clean = new float[t * d];
        Attention.Forward(q, d, k, d, v, d, clean, d, 1, 1, t, t, d, true);
        for (int j = 5; j < t; j++)
        {
            for (int c = 0; c < d; c++)
            {
                k[(j * d) + c] = float.NaN;
                v[(j * d) + c] = float.NaN;
            }
        }

        var poisoned = new float[t * d];
        Attention.Forward(q, d, k, d, v, d, poisoned, d, 1, 1, t, t, d, true);
        Assert.Equal(clean.AsSpan(0, 5 * d).ToArray(), poisoned.AsSpan(0, 5 * d).ToArray());
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        // Small enough to run inline on the calling thread, so its allocations are all counted here.
        const int t = 8, h = 2, d = 16, w = h * d;
        float[] qkv = KernelTestKit.Uniform(new Random(45), t * 3 * w, -1f, 1f);
        var o = new float[t * w];
        Attention.Forward(qkv, 3 * w, qkv.AsSpan(w), 3 * w, qkv.AsSpan(2 * w), 3 * w, o, w, 1, h, t, t, d, true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Attention.Forward(qkv, 3 * w, qkv.AsSpan(w), 3 * w, qkv.AsSpan(2 * w), 3 * w, o, w, 1, h, t, t, d, true);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        var buffer = new float[64];
        Assert.Contains(
            "queryLength == keyLength",
            Assert.Throws<ArgumentException>(() => Attention.Forward(buffer, 4, buffer, 4, buffer, 4, buffer, 4, 1, 1, 2, 3, 4, true)).Message);
        Assert.Contains(
            "qStride",
            Assert.Throws<ArgumentException>(() => Attention.Forward(buffer, 3, buffer, 8, buffer, 8, buffer, 8, 1, 2, 2, 2, 4, false)).Message);
        Assert.Contains(
            "k holds 64",
            Assert.Throws<ArgumentException>(() => Attention.Forward(buffer, 8, buffer, 8, new float[200], 8, buffer, 8, 1, 2, 2, 9, 4, false)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Attention.Forward(buffer, 4, buffer, 4, buffer, 4, buffer, 4, 1, 1, 1, 1, 0, false));
    }
}
