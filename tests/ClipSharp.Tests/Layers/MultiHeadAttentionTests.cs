using ClipSharp.Layers;

namespace ClipSharp.Tests.Layers;

public sealed class MultiHeadAttentionTests
{
    private const int Batch = 2;
    private const int Tokens = 5;
    private const int Width = 8;
    private const int Heads = 2;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesPerHeadSoftmaxAttention(bool causal)
    {
        var h = new LayerHarness("attn");
        var attn = new MultiHeadAttention(h.Scope, Width, Heads, causal, 0.1f, 0.1f);
        h.Bind(5);
        Assert.Equal(
            ["attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias"],
            h.Scope.Parameters.Entries.Select(p => p.Name));

        float[] x = LayerHarness.Random(Batch * Tokens * Width, 6);
        var y = new float[x.Length];
        LayerRuns.Attention(attn, x, y, Batch, Tokens, keep: false);

        double[] expected = Naive(attn, x, causal);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 1e-5 * (1 + Math.Abs(expected[i])));
        }
    }

    [Fact]
    public void CausalQueriesIgnoreLaterTokens()
    {
        var h = new LayerHarness();
        var attn = new MultiHeadAttention(h.Scope, Width, Heads, causal: true, 0.1f, 0.1f);
        h.Bind(7);
        float[] x = LayerHarness.Random(Tokens * Width, 8);
        float[] changed = (float[])x.Clone();
        for (int i = 3 * Width; i < changed.Length; i++)
        {
            changed[i] += 3f;
        }

        var a = new float[x.Length];
        var b = new float[x.Length];
        LayerRuns.Attention(attn, x, a, 1, Tokens, keep: false);
        LayerRuns.Attention(attn, changed, b, 1, Tokens, keep: false);
        Assert.Equal(a.AsSpan(0, 3 * Width).ToArray(), b.AsSpan(0, 3 * Width).ToArray());
        Assert.NotEqual(a[^1], b[^1]);
    }

    [Fact]
    public void RejectsWidthNotDivisibleByHeads()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(new LayerHarness().Scope, 10, 3, false, 0.1f, 0.1f));
        Assert.Contains("not divisible by 3 heads", ex.Message, StringComparison.Ordinal);
    }

    private static double[] Naive(MultiHeadAttention attn, float[] x, bool causal)
    {
        float[] w = attn.InProjWeight.Value.ToArray();
        float[] bias = attn.InProjBias.Value.ToArray();
        int rows = Batch * Tokens;
        var qkv = new double[rows, 3 * Width];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < 3 * Width; o++)
            {
                double s = bias[o];
                for (int i = 0; i < Width; i++)
                {
                    s += x[(r * Width) + i] * w[(o * Width) + i];
                }

                qkv[r, o] = s;
            }
        }

        int d = Width / Heads;
        var mixed = new double[rows, Width];
        for (int b = 0; b < Batch; b++)
        {
            for (int head = 0; head < Heads; head++)
            {
                for (int i = 0; i < Tokens; i++)
                {
                    var scores = new double[Tokens];
                    for (int j = 0; j < Tokens; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < d; c++)
                        {
                            dot += qkv[(b * Tokens) + i, (head * d) + c] * qkv[(b * Tokens) + j, Width + (head * d) + c];
                        }

                        scores[j] = causal && j > i ? double.NegativeInfinity : dot / Math.Sqrt(d);
                    }

                    double max = scores.Max();
                    double[] e = [.. scores.Select(s => Math.Exp(s - max))];
                    double sum = e.Sum();
                    for (int c = 0; c < d; c++)
                    {
                        double acc = 0;
                        for (int j = 0; j < Tokens; j++)
                        {
                            acc += e[j] / sum * qkv[(b * Tokens) + j, (2 * Width) + (head * d) + c];
                        }

                        mixed[(b * Tokens) + i, (head * d) + c] = acc;
                    }
                }
            }
        }

        float[] ow = attn.OutProj.Weight.Value.ToArray();
        float[] ob = attn.OutProj.Bias!.Value.ToArray();
        var y = new double[rows * Width];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < Width; o++)
            {
                double s = ob[o];
                for (int i = 0; i < Width; i++)
                {
                    s += mixed[r, i] * ow[(o * Width) + i];
                }

                y[(r * Width) + o] = s;
            }
        }

        return y;
    }
}
