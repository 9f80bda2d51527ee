using ClipSharp.Tensors;

namespace ClipSharp.Tests.Models;

internal static class Compare
{
    public static double MaxAbs(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }

    public static double MaxAbs(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]));
        }

        return max;
    }

    /// <summary>|a - b| &lt;= atol + rtol·|b| everywhere, failing with the worst element.</summary>
    public static void Close(string name, Tensor actual, Tensor expected, double atol = 1e-4, double rtol = 1e-4)
    {
        Assert.True(actual.Shape.SequenceEqual(expected.Shape), $"{name}: shape {actual.ShapeString}, expected {expected.ShapeString}.");
        ReadOnlySpan<float> a = actual.Span;
        ReadOnlySpan<float> b = expected.Span;
        for (int i = 0; i < a.Length; i++)
        {
            double diff = Math.Abs((double)a[i] - b[i]);
            Assert.True(
                float.IsFinite(a[i]) && diff <= atol + (rtol * Math.Abs(b[i])),
                $"{name}[{i}]: got {a[i]}, expected {b[i]} (|diff| {diff:E2} > {atol} + {rtol}·|b|).");
        }
    }
}
