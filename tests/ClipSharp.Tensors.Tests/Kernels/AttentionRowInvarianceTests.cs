using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// The fused kernel tiles query rows in blocks and may split a head's blocks over threads; a row's output
// must still be the same bits whatever the query length, the position of the row in its block (every tail
// size of the last block), the thread split and, for causal attention, the keys after it. The text tower's
// prefix evaluation relies on this.
public sealed class AttentionRowInvarianceTests
{
    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void RowsAreBitIdenticalForAnyQueryLengthAndSplit(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        const int batch = 2, heads = 3, full = 23, keys = 19;
        foreach (int d in (int[])[64, 17, 80])
        {
            foreach (bool causal in (bool[])[false, true])
            {
                int w = heads * d;
                int tk = causal ? full : keys;
                var random = new Random(1000 + d);
                float[] q = KernelTestKit.Uniform(random, batch * full * w, -2f, 2f);
                float[] k = KernelTestKit.Uniform(random, batch * tk * w, -2f, 2f);
                float[] v = KernelTestKit.Uniform(random, batch * tk * w, -1f, 1f);
                var expected = new float[batch * full * w];
                Attention.Forward(q, w, k, w, v, w, expected, w, batch, heads, full, tk, d, causal, isa, threads: 1);

                for (int n = 1; n <= full; n++)
                {
                    float[] qn = Rows(q, batch, full, n, w);
                    float[] kn = causal ? Rows(k, batch, full, n, w) : k;
                    float[] vn = causal ? Rows(v, batch, full, n, w) : v;
                    foreach (int threads in (int[])[1, 2, 3, 8])
                    {
                        var actual = new float[batch * n * w];
                        Attention.Forward(qn, w, kn, w, vn, w, actual, w, batch, heads, n, causal ? n : tk, d, causal, isa, threads);
                        Assert.True(
                            Rows(expected, batch, full, n, w).AsSpan().SequenceEqual(actual),
                            $"{isaName} D={d} causal={causal} queryLength={n} threads={threads}: rows differ from queryLength={full}");
                    }
                }
            }
        }
    }

    // The first n of every batch's t rows of width w, packed.
    private static float[] Rows(float[] x, int batch, int t, int n, int w)
    {
        var rows = new float[batch * n * w];
        for (int b = 0; b < batch; b++)
        {
            Array.Copy(x, b * t * w, rows, b * n * w, n * w);
        }

        return rows;
    }
}
