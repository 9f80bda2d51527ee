using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// The element-wise kernels split whole tensors over threads in chunks (MapChunks). Every element must take the same
// vector or scalar body as in one serial pass, so the bits may not depend on the thread count; the lengths below
// span several chunks and end in a ragged tail, and the inputs include the specials the range guards exist for.
public sealed class ElementwiseThreadsTests
{
    // 17 chunks: enough that even an add (the cheapest map) is forked.
    private const int Length = (17 * 16384) + 77;

    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public void Activations_GiveTheSameBitsOnOneAndTwoThreads(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = Inputs(new Random(5));
        float[] dy = KernelTestKit.Uniform(new Random(6), Length, -2f, 2f);
        (string Name, Action<float[]> Run)[] kernels =
        [
            ("QuickGelu", y => QuickGelu.Forward(x, y, isa)),
            ("QuickGeluBackward", dx => QuickGeluBackward.Backward(x, dy, dx, isa)),
            ("Gelu", y => Gelu.Forward(x, y, isa)),
            ("GeluBackward", dx => GeluBackward.Backward(x, dy, dx, isa)),
            ("Relu", y => Relu.Forward(x, y, isa)),
            ("ReluBackward", dx => ReluBackward.Backward(x, dy, dx, isa)),
            ("Add", z => Add.Run(x, dy, z, isa)),
        ];
        foreach ((string name, Action<float[]> run) in kernels)
        {
            float[] serial = OnThreads(1, run);
            float[] forked = OnThreads(2, run);
            Assert.True(serial.AsSpan().SequenceEqual(forked), $"{name} at {isaName}: two threads changed the bits");
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QuickGelu_InPlaceOnTwoThreads_MatchesOutOfPlace(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        float[] x = Inputs(new Random(7));
        float[] expected = OnThreads(1, y => QuickGelu.Forward(x, y, isa));
        float[] inPlace = (float[])x.Clone();
        OnThreads(2, _ => QuickGelu.Forward(inPlace, inPlace, isa));
        Assert.True(expected.AsSpan().SequenceEqual(inPlace));
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void ColumnSum_AddsEveryColumnsRowsInRowOrder_OnAnyThreadCount(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        const int rows = 1037;
        const int cols = 300;
        const int stride = 311;
        float[] src = KernelTestKit.Uniform(new Random(8), ((rows - 1) * stride) + cols, -3f, 3f);
        float[] start = KernelTestKit.Uniform(new Random(9), cols, -1f, 1f);

        // The oracle: one float add per row, in row order, column by column.
        float[] expected = (float[])start.Clone();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                expected[c] += src[(r * stride) + c];
            }
        }

        foreach (int threads in (int[])[1, 2, 3])
        {
            float[] actual = OnThreads(threads, dst =>
            {
                start.CopyTo(dst, 0);
                ColumnSum.Accumulate(src, rows, cols, stride, dst.AsSpan(0, cols), isa);
            });
            Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(0, cols)), $"{isaName}, {threads} threads");
        }
    }

    [Fact]
    public void ColumnSum_RejectsASourceTooShortForItsRows()
    {
        var error = Assert.Throws<ArgumentException>(() => ColumnSum.Accumulate(new float[99], 10, 10, 10, new float[10]));
        Assert.Equal("src", error.ParamName);
    }

    private static float[] Inputs(Random random)
    {
        float[] x = KernelTestKit.Uniform(random, Length, -12f, 12f);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 150f, -150f, 1e-30f];
        for (int i = 0; i < specials.Length; i++)
        {
            // Inside a chunk, at a chunk boundary and in the ragged tail.
            x[(i * 997) + 5] = specials[i];
            x[16384 + i] = specials[i];
            x[Length - 1 - i] = specials[i];
        }

        return x;
    }

    private static float[] OnThreads(int threads, Action<float[]> run)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            var output = new float[Length];
            run(output);
            return output;
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
