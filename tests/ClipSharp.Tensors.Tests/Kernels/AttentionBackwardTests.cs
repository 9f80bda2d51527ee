using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class AttentionBackwardTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesFiniteDifferencesOnAPackedBuffer(bool causal)
    {
        const int batch = 2;
        const int heads = 2;
        const int tokens = 4;
        const int d = 3;
        const int w = heads * d;
        var random = new Random(5);
        float[] qkv = [.. Enumerable.Range(0, batch * tokens * 3 * w).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] r = [.. Enumerable.Range(0, batch * tokens * w).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        var o = new float[r.Length];
        double Loss()
        {
            ReadOnlySpan<float> p = qkv;
            Attention.Forward(p, 3 * w, p[w..], 3 * w, p[(2 * w)..], 3 * w, o, w, batch, heads, tokens, tokens, d, causal);
            double sum = 0;
            for (int i = 0; i < o.Length; i++)
            {
                sum += (double)r[i] * o[i];
            }

            return sum;
        }

        // The probabilities the forward weighted its output with, kept as the training forward keeps them; the output
        // itself gets the same bits as without them.
        var probabilities = new float[batch * heads * tokens * tokens];
        var kept = new float[o.Length];
        ReadOnlySpan<float> packed = qkv;
        Attention.Forward(packed, 3 * w, packed[w..], 3 * w, packed[(2 * w)..], 3 * w, kept, w, probabilities, batch, heads, tokens, tokens, d, causal);
        Loss();
        Assert.Equal(o, kept);
        for (int row = 0; row < batch * heads * tokens; row++)
        {
            ReadOnlySpan<float> pRow = probabilities.AsSpan(row * tokens, tokens);
            int visible = causal ? (row % tokens) + 1 : tokens;
            Assert.Equal(1.0, pRow[..visible].ToArray().Sum(x => (double)x), 5);
            Assert.All(pRow[visible..].ToArray(), x => Assert.Equal(0f, x));
        }

        var grad = new float[qkv.Length];
        Span<float> dPacked = grad;
        AttentionBackward.Backward(
            packed, 3 * w, packed[w..], 3 * w, packed[(2 * w)..], 3 * w, probabilities, r, w,
            dPacked, 3 * w, dPacked[w..], 3 * w, dPacked[(2 * w)..], 3 * w, batch, heads, tokens, tokens, d, causal);

        const float step = 1e-2f;
        for (int i = 0; i < qkv.Length; i++)
        {
            float saved = qkv[i];
            qkv[i] = saved + step;
            double plus = Loss();
            qkv[i] = saved - step;
            double minus = Loss();
            qkv[i] = saved;
            double numeric = (plus - minus) / (2 * step);
            Assert.True(Math.Abs(numeric - grad[i]) <= 2e-3 + (1e-2 * Math.Abs(numeric)), $"element {i}: analytic {grad[i]}, finite difference {numeric}");
        }
    }
}
