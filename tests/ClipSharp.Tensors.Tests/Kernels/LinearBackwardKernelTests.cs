using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// Conv2d, average pooling and the embedding lookup are linear in their input, so their backward passes are the
// adjoints: <dy, F(x)> = <Fᵀ(dy), x> for every x and dy; conv is linear in its weight too.
public sealed class LinearBackwardKernelTests
{
    [Theory]
    [InlineData(3, 1, 1)]
    [InlineData(4, 4, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(1, 1, 0)]
    public void Conv2dBackwardIsTheAdjoint(int kernel, int stride, int padding)
    {
        const int n = 2;
        const int c = 3;
        const int o = 4;
        const int size = 8;
        var random = new Random(63);
        int os = Conv2d.OutputSize(size, kernel, stride, padding);
        float[] x = KernelTestKit.Uniform(random, n * c * size * size, -1f, 1f);
        float[] w = KernelTestKit.Uniform(random, o * c * kernel * kernel, -1f, 1f);
        float[] dy = KernelTestKit.Uniform(random, n * o * os * os, -1f, 1f);
        var y = new float[dy.Length];
        Conv2d.Forward(x, w, default, y, n, c, size, size, o, kernel, kernel, stride, padding);

        var dx = new float[x.Length];
        var dw = new float[w.Length];
        var db = new float[o];
        Conv2dBackward.Backward(x, w, dy, dx, dw, db, n, c, size, size, o, kernel, kernel, stride, padding);
        double forward = FiniteDifference.Dot(dy, y);
        Assert.Equal(forward, FiniteDifference.Dot(dx, x), 3);
        Assert.Equal(forward, FiniteDifference.Dot(dw, w), 3);
        Assert.Equal(dy.Select(v => (double)v).Sum(), db.Select(v => (double)v).Sum(), 3);
    }

    [Fact]
    public void AvgPool2dBackwardIsTheAdjoint()
    {
        var random = new Random(64);
        foreach ((int h, int k, int s) in new[] { (8, 2, 2), (7, 2, 2), (9, 3, 2) })
        {
            int os = AvgPool2d.OutputSize(h, k, s);
            float[] x = KernelTestKit.Uniform(random, 2 * 3 * h * h, -1f, 1f);
            float[] dy = KernelTestKit.Uniform(random, 2 * 3 * os * os, -1f, 1f);
            var y = new float[dy.Length];
            AvgPool2d.Forward(x, y, 2, 3, h, h, k, s);
            var dx = new float[x.Length];
            AvgPool2dBackward.Backward(dy, dx, 2, 3, h, h, k, s);
            Assert.Equal(FiniteDifference.Dot(dy, y), FiniteDifference.Dot(dx, x), 4);
        }
    }

    [Fact]
    public void EmbeddingBackwardSumsRepeatedIdsAndLeavesUnusedRows()
    {
        int[] ids = [2, 0, 2];
        float[] dy = [1, 2, 3, 4, 5, 6];
        var dTable = new float[4 * 2];
        EmbeddingBackward.Backward(ids, dy, dTable, 2);
        Assert.Equal([3, 4, 0, 0, 6, 8, 0, 0], dTable);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingBackward.Backward([4], [1, 1], dTable, 2));
    }
}
