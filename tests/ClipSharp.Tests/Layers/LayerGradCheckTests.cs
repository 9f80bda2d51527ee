using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;

namespace ClipSharp.Tests.Layers;

/// <summary>Every layer's Backward against central finite differences of its Forward (inputs and parameters).</summary>
public sealed class LayerGradCheckTests
{
    [Fact]
    public void Linear()
    {
        var h = new LayerHarness();
        var layer = new Linear(h.Scope, 5, 3);
        h.Bind(1);
        const int rows = 4;
        float[] x = LayerHarness.Random(rows * 5, 2);
        float[] r = LayerHarness.Random(rows * 3, 3);
        var y = new float[rows * 3];
        double Loss()
        {
            layer.Forward(x, y, rows);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        var dx = new float[x.Length];
        layer.Backward(x, r, dx, rows, grads);
        GradCheck.Check("dx", x, dx, Loss);
        CheckParameters(h, grads, Loss);
    }

    [Fact]
    public void LayerNormLayer()
    {
        var h = new LayerHarness();
        var layer = new LayerNorm(h.Scope, 6);
        h.Bind(4);
        const int rows = 3;
        float[] x = LayerHarness.Random(rows * 6, 5);
        float[] r = LayerHarness.Random(rows * 6, 6);
        var y = new float[x.Length];
        double Loss()
        {
            layer.Forward(x, y, rows);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        var dx = new float[x.Length];
        layer.Backward(x, r, dx, rows, grads);
        GradCheck.Check("dx", x, dx, Loss, samples: x.Length);
        CheckParameters(h, grads, Loss);
    }

    [Theory]
    [InlineData(ActivationKind.QuickGelu)]
    [InlineData(ActivationKind.Gelu)]
    public void MlpWithActivation(ActivationKind kind)
    {
        var h = new LayerHarness();
        var layer = new Mlp(h.Scope, 4, kind, 0.5f, 0.5f);
        h.Bind(7);
        const int rows = 3;
        float[] x = LayerHarness.Random(rows * 4, 8);
        float[] r = LayerHarness.Random(rows * 4, 9);
        var y = new float[x.Length];
        double Loss()
        {
            LayerRuns.Mlp(layer, x, y, rows, keep: false);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        (float[] hidden, float[] activated) = LayerRuns.Mlp(layer, x, y, rows, keep: true);
        var dx = new float[x.Length];
        layer.Backward(x, hidden, activated, r, new float[hidden.Length], dx, rows, grads);
        GradCheck.Check("dx", x, dx, Loss, samples: x.Length);
        CheckParameters(h, grads, Loss);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MultiHeadAttentionLayer(bool causal)
    {
        var h = new LayerHarness();
        var layer = new MultiHeadAttention(h.Scope, 4, 2, causal, 0.5f, 0.5f);
        h.Bind(10);
        const int batch = 2;
        const int tokens = 3;
        float[] x = LayerHarness.Random(batch * tokens * 4, 11);
        float[] r = LayerHarness.Random(x.Length, 12);
        var y = new float[x.Length];
        double Loss()
        {
            LayerRuns.Attention(layer, x, y, batch, tokens, keep: false);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        (float[] qkv, float[] probabilities, float[] attended) = LayerRuns.Attention(layer, x, y, batch, tokens, keep: true);
        var dx = new float[x.Length];
        layer.Backward(x, qkv, probabilities, attended, r, new float[attended.Length], new float[qkv.Length], dx, batch, tokens, grads);
        GradCheck.Check("dx", x, dx, Loss, samples: x.Length);
        CheckParameters(h, grads, Loss);
    }

    [Fact]
    public void ResidualAttentionBlockWithResiduals()
    {
        var h = new LayerHarness();
        var block = new ResidualAttentionBlock(h.Scope, 4, 2, causal: true, ActivationKind.QuickGelu, depth: 1);
        h.Bind(13);
        const int batch = 2;
        const int tokens = 3;
        float[] x = LayerHarness.Random(batch * tokens * 4, 14);
        float[] r = LayerHarness.Random(x.Length, 15);
        var work = new float[x.Length];
        var inference = new LayerRuns.Block(block, batch, tokens, keep: false);
        double Loss()
        {
            // In place, as a tower runs its blocks at inference.
            x.CopyTo(work, 0);
            inference.Forward(work, work);
            return GradCheck.Dot(r, work);
        }

        var grads = Gradients(h);
        var kept = new LayerRuns.Block(block, batch, tokens, keep: true);
        kept.Forward(x, work);
        float[] dx = (float[])r.Clone();
        kept.Backward(x, dx, grads);
        GradCheck.Check("dx", x, dx, Loss, samples: x.Length);
        CheckParameters(h, grads, Loss);
    }

    [Theory]
    [InlineData(3, 1, 1)]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    public void Conv2dLayer(int kernel, int stride, int padding)
    {
        var h = new LayerHarness();
        var conv = new Conv2d(h.Scope, 2, 3, kernel, stride, padding, bias: true);
        h.Bind(16);
        const int batch = 2;
        const int size = 5;
        int o = conv.OutputSize(size);
        float[] x = LayerHarness.Random(batch * 2 * size * size, 17);
        float[] r = LayerHarness.Random(batch * 3 * o * o, 18);
        var y = new float[r.Length];
        double Loss()
        {
            conv.Forward(x, y, batch, size, size);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        var dx = new float[x.Length];
        conv.Backward(x, r, dx, batch, size, size, grads);
        GradCheck.Check("dx", x, dx, Loss, samples: 20);
        CheckParameters(h, grads, Loss);
    }

    [Fact]
    public void BatchNormTrainMode()
    {
        var h = new LayerHarness();
        var bn = new BatchNorm2d(h.Scope, 3);
        h.Bind(19);
        const int batch = 2;
        const int spatial = 4;
        float[] x = LayerHarness.Random(batch * 3 * spatial, 20);
        float[] r = LayerHarness.Random(x.Length, 21);
        var y = new float[x.Length];
        var statistics = new double[bn.StatisticsLength];
        double Loss()
        {
            bn.Forward(x, y, statistics, batch, spatial, ForwardPass.Training);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        bn.Forward(x, y, statistics, batch, spatial, ForwardPass.Keep);
        var dx = new float[x.Length];
        bn.Backward(x, statistics, r, dx, batch, spatial, grads);
        GradCheck.Check("dx", x, dx, Loss, samples: x.Length);
        CheckParameters(h, grads, Loss);
    }

    [Theory]
    [InlineData(4, 2, 2)]
    [InlineData(8, 2, 1)]
    public void BottleneckWithConvBatchNormReluAvgPool(int inplanes, int planes, int stride)
    {
        var h = new LayerHarness();
        var block = new Bottleneck(h.Scope, inplanes, planes, stride);
        h.Bind(22);
        const int batch = 2;
        const int size = 4;
        int o = block.OutputSize(size);
        float[] x = LayerHarness.Random(batch * inplanes * size * size, 23);
        float[] r = LayerHarness.Random(batch * block.OutChannels * o * o, 24);
        var y = new float[r.Length];
        var training = new LayerRuns.Bottleneck(block, batch, size, keep: false);
        double Loss()
        {
            training.Forward(x, y, ForwardPass.Training);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        var kept = new LayerRuns.Bottleneck(block, batch, size, keep: true);
        kept.Forward(x, y, ForwardPass.Keep);
        var dx = new float[x.Length];
        kept.Backward(r, dx, grads);

        // ReLU kinks make a finite difference that straddles one meaningless; a small step keeps clear of them.
        GradCheck.Check("dx", x, dx, Loss, samples: 16, step: 1e-3f, tolerance: 5e-2);
        CheckParameters(h, grads, Loss, step: 1e-4f, tolerance: 5e-2);
    }

    [Fact]
    public void AttentionPool()
    {
        var h = new LayerHarness();
        var pool = new AttentionPool2d(h.Scope, 2, 4, 2, 3);
        h.Bind(25);
        const int batch = 2;
        float[] x = LayerHarness.Random(batch * 4 * 4, 26);
        float[] r = LayerHarness.Random(batch * 3, 27);
        var y = new float[r.Length];
        double Loss()
        {
            LayerRuns.Pool(pool, x, y, batch, keep: false);
            return GradCheck.Dot(r, y);
        }

        var grads = Gradients(h);
        var a = LayerRuns.Pool(pool, x, y, batch, keep: true);
        var dx = new float[x.Length];
        pool.Backward(
            a.Seq, a.Q, a.K, a.V, a.Probabilities, a.Attended, r, dx, batch,
            new float[a.Attended.Length], new float[a.Q.Length], new float[a.K.Length], new float[a.V.Length], new float[a.Seq.Length], grads);
        GradCheck.Check("dx", x, dx, Loss, samples: x.Length);
        CheckParameters(h, grads, Loss, skip: "k_proj.bias");
    }

    [Fact]
    public void Embeddings()
    {
        var h = new LayerHarness();
        var tokens = new TokenEmbedding(h.Scope.Child("token_embedding"), 7, 3);
        var positions = new PositionalEmbedding(h.Scope, "positional_embedding", 2, 3, 1f);
        var cls = new ClassEmbedding(h.Scope, 3);
        h.Bind(28);
        int[] ids = [1, 4, 4, 6];
        const int batch = 2;
        float[] patches = LayerHarness.Random(batch * 3 * 1, 29);
        float[] r = LayerHarness.Random(ids.Length * 3, 30);
        var y = new float[r.Length];
        var seq = new float[batch * 2 * 3];
        double Loss()
        {
            tokens.Forward(ids, y);
            positions.Forward(y, batch);
            cls.Forward(patches, seq, batch, 1);
            positions.Forward(seq, batch);
            return GradCheck.Dot(r, y) + GradCheck.Dot(r, seq);
        }

        var grads = Gradients(h);
        tokens.Backward(ids, r, grads);
        positions.Backward(r, batch, grads);
        positions.Backward(r, batch, grads);
        var dPatches = new float[patches.Length];
        cls.Backward(r, dPatches, batch, 1, grads);
        GradCheck.Check("dPatches", patches, dPatches, Loss, samples: patches.Length);
        CheckParameters(h, grads, Loss);
        Assert.Equal(0f, grads.View(tokens.Weight).Span[0]);
    }

    internal static ParameterStore Gradients(LayerHarness h) => ParameterStore.Allocate(h.Scope.Parameters, bind: false);

    // Every parameter tensor, a few elements each, through the harness's value buffer.
    internal static void CheckParameters(LayerHarness h, ParameterStore grads, Func<double> loss, float step = 1e-2f, double tolerance = 2e-2, string? skip = null)
    {
        float[] data = h.Parameters!.Data;
        foreach (Parameter p in h.Scope.Parameters.Entries)
        {
            if (skip is not null && p.Name.EndsWith(skip, StringComparison.Ordinal))
            {
                // Softmax ignores a shift shared by every key: this gradient is exactly zero in exact arithmetic.
                Assert.True(grads.View(p).Span.ToArray().All(g => Math.Abs(g) < 1e-5f), $"{p.Name} should have no gradient");
                continue;
            }

            float[] slice = data.AsSpan(checked((int)p.Offset), p.Length).ToArray();
            double Loss()
            {
                slice.CopyTo(data, checked((int)p.Offset));
                return loss();
            }

            GradCheck.Check(p.Name, slice, grads.View(p).Span, Loss, samples: 6, step: step, tolerance: tolerance);
            slice.CopyTo(data, checked((int)p.Offset));
        }
    }
}
