using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

public sealed class LayerNormBackwardTests
{
    [Fact]
    public void MatchesFiniteDifferencesForInputGainAndBias()
    {
        const int rows = 3;
        const int cols = 7;
        var random = new Random(61);
        float[] x = KernelTestKit.Uniform(random, rows * cols, -2f, 2f);
        float[] weight = KernelTestKit.Uniform(random, cols, 0.5f, 1.5f);
        float[] bias = KernelTestKit.Uniform(random, cols, -1f, 1f);
        float[] r = KernelTestKit.Uniform(random, rows * cols, -1f, 1f);
        var y = new float[x.Length];
        double Loss()
        {
            LayerNorm.Forward(x, weight, bias, y, rows, cols);
            return FiniteDifference.Dot(r, y);
        }

        var dx = new float[x.Length];
        var dWeight = new float[cols];
        var dBias = new float[cols];
        LayerNormBackward.Backward(x, weight, r, dx, dWeight, dBias, rows, cols);
        FiniteDifference.Check("dx", x, dx, Loss);
        FiniteDifference.Check("dWeight", weight, dWeight, Loss);
        FiniteDifference.Check("dBias", bias, dBias, Loss);

        // Parameter gradients accumulate across calls.
        LayerNormBackward.Backward(x, weight, r, dx, dWeight, dBias, rows, cols);
        FiniteDifference.Check("dBias twice", bias, [.. dBias.Select(v => v / 2)], Loss);
    }

    // Rows and then column blocks are split over threads; dWeight and dBias must still add the rows in row order.
    [Fact]
    public void GivesTheSameBitsOnOneAndTwoThreads()
    {
        const int rows = 530;
        const int cols = 200;
        var random = new Random(21);
        float[] x = KernelTestKit.Uniform(random, rows * cols, -3f, 3f);
        float[] w = KernelTestKit.Uniform(random, cols, 0.5f, 1.5f);
        float[] dy = KernelTestKit.Uniform(random, rows * cols, -1f, 1f);
        float[] start = KernelTestKit.Uniform(random, cols, -1f, 1f);
        var results = new List<float[]>();
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in (int[])[1, 2])
            {
                Parallelism.MaxThreads = threads;
                float[] dx = new float[rows * cols], dw = (float[])start.Clone(), db = (float[])start.Clone();
                LayerNormBackward.Backward(x, w, dy, dx, dw, db, rows, cols);
                results.Add([.. dx, .. dw, .. db]);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }

        Assert.True(results[0].AsSpan().SequenceEqual(results[1]));
    }

    [Fact]
    public void RejectsADxThatOverlapsDy()
    {
        float[] buffer = new float[8];
        var e = Assert.Throws<ArgumentException>(() => LayerNormBackward.Backward(new float[8], new float[4], buffer, buffer, new float[4], new float[4], 2, 4));
        Assert.Equal("dx", e.ParamName);
    }
}
