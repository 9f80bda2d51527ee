using ClipSharp.Layers;

namespace ClipSharp.Tests.Layers;

public sealed class LinearTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ComputesXTimesWeightTransposedPlusBias(bool bias)
    {
        var h = new LayerHarness("fc");
        var linear = new Linear(h.Scope, 5, 3, bias);
        h.Bind(1);
        Assert.Equal(bias ? new[] { "fc.weight", "fc.bias" } : ["fc.weight"], h.Scope.Parameters.Entries.Select(p => p.Name));
        Assert.Equal(new[] { 3, 5 }, linear.Weight.Shape.ToArray());

        float[] x = LayerHarness.Random(4 * 5, 2);
        var y = new float[4 * 3];
        linear.Forward(x, y, 4);

        float[] w = linear.Weight.Value.ToArray();
        for (int r = 0; r < 4; r++)
        {
            for (int o = 0; o < 3; o++)
            {
                double expected = bias ? linear.Bias!.Value.Span[o] : 0;
                for (int i = 0; i < 5; i++)
                {
                    expected += x[(r * 5) + i] * w[(o * 5) + i];
                }

                Assert.Equal(expected, y[(r * 3) + o], 1e-5 * (1 + Math.Abs(expected)));
            }
        }
    }

    [Fact]
    public void StridedRowsReadAndWriteColumnSlices()
    {
        var h = new LayerHarness();
        var linear = new Linear(h.Scope, 2, 2);
        h.Bind(3);
        float[] packed = LayerHarness.Random(3 * 4, 4);
        float[] dense = [.. Enumerable.Range(0, 3).SelectMany(r => packed.Skip(r * 4).Take(2))];

        var expected = new float[3 * 2];
        linear.Forward(dense, expected, 3);
        var strided = new float[3 * 5];
        Array.Fill(strided, 42f);
        linear.Forward(packed, 4, strided, 5, 3);
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(expected.AsSpan(r * 2, 2).ToArray(), strided.AsSpan(r * 5, 2).ToArray());
            Assert.Equal(42f, strided[(r * 5) + 4]);
        }
    }
}
