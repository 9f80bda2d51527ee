using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;

namespace ClipSharp.Tests.Layers;

public sealed class ResNetLayerTests
{
    [Theory]
    [InlineData(16, 4, 1, false)]
    [InlineData(8, 4, 1, true)]
    [InlineData(16, 4, 2, true)]
    public void BottleneckDeclaresADownsampleOnlyWhenShapesChange(int inplanes, int planes, int stride, bool downsample)
    {
        var h = new LayerHarness("layer2.0");
        var block = new Bottleneck(h.Scope, inplanes, planes, stride);
        Assert.Equal(downsample, block.DownsampleConv is not null);
        Assert.Equal(downsample, h.Scope.Parameters.TryGet("layer2.0.downsample.0.weight", out _));
        Assert.Equal(downsample, h.Scope.Buffers.TryGet("layer2.0.downsample.1.running_mean", out _));
        Assert.True(h.Scope.Parameters.TryGet("layer2.0.conv2.weight", out Parameter conv2));
        Assert.Equal(new[] { planes, planes, 3, 3 }, conv2.Shape.ToArray());

        h.Bind(9);
        const int size = 6;
        float[] x = LayerHarness.Random(2 * inplanes * size * size, 10);
        int outSize = block.OutputSize(size);
        Assert.Equal(size / stride, outSize);
        var y = new float[2 * planes * 4 * outSize * outSize];
        new LayerRuns.Bottleneck(block, 2, size, keep: false).Forward(x, y, ForwardPass.Inference);
        Assert.All(y, v => Assert.True(v >= 0f && float.IsFinite(v)));
        Assert.Contains(y, v => v > 0f);
    }

    [Fact]
    public void AttentionPoolQueriesWithTheMeanToken()
    {
        const int c = 4;
        const int s = 2;
        var h = new LayerHarness("attnpool");
        var pool = new AttentionPool2d(h.Scope, s, c, 2, 3);
        Assert.Equal(
            ["attnpool.positional_embedding", "attnpool.k_proj.weight", "attnpool.k_proj.bias", "attnpool.q_proj.weight",
             "attnpool.q_proj.bias", "attnpool.v_proj.weight", "attnpool.v_proj.bias", "attnpool.c_proj.weight", "attnpool.c_proj.bias"],
            h.Scope.Parameters.Entries.Select(p => p.Name));
        h.Bind(11);

        float[] x = LayerHarness.Random(c * s * s, 12);
        var y = new float[3];
        LayerRuns.Pool(pool, x, y, 1, keep: false);

        // Tokens [1 + s², c]: mean first, then positions row-major, plus the positional embedding.
        float[] pos = pool.PositionalEmbedding.Value.ToArray();
        var tokens = new double[5, c];
        for (int ch = 0; ch < c; ch++)
        {
            tokens[0, ch] = Enumerable.Range(0, 4).Average(p => x[(ch * 4) + p]) + pos[ch];
            for (int p = 0; p < 4; p++)
            {
                tokens[p + 1, ch] = x[(ch * 4) + p] + pos[((p + 1) * c) + ch];
            }
        }

        double[] Project(Linear l, int row)
        {
            float[] w = l.Weight.Value.ToArray();
            float[] b = l.Bias!.Value.ToArray();
            return [.. Enumerable.Range(0, l.OutFeatures).Select(o => b[o] + Enumerable.Range(0, l.InFeatures).Sum(i => tokens[row, i] * w[(o * l.InFeatures) + i]))];
        }

        double[] q = Project(pool.QProj, 0);
        double[][] k = [.. Enumerable.Range(0, 5).Select(r => Project(pool.KProj, r))];
        double[][] v = [.. Enumerable.Range(0, 5).Select(r => Project(pool.VProj, r))];
        var mixed = new double[c];
        for (int head = 0; head < 2; head++)
        {
            double[] scores = [.. Enumerable.Range(0, 5).Select(j => ((q[head * 2] * k[j][head * 2]) + (q[(head * 2) + 1] * k[j][(head * 2) + 1])) / Math.Sqrt(2))];
            double max = scores.Max();
            double[] e = [.. scores.Select(sc => Math.Exp(sc - max))];
            for (int d = 0; d < 2; d++)
            {
                mixed[(head * 2) + d] = Enumerable.Range(0, 5).Sum(j => e[j] * v[j][(head * 2) + d]) / e.Sum();
            }
        }

        float[] cw = pool.CProj.Weight.Value.ToArray();
        float[] cb = pool.CProj.Bias!.Value.ToArray();
        for (int o = 0; o < 3; o++)
        {
            double expected = cb[o] + Enumerable.Range(0, c).Sum(i => mixed[i] * cw[(o * c) + i]);
            Assert.Equal(expected, y[o], 1e-5 * (1 + Math.Abs(expected)));
        }
    }
}
