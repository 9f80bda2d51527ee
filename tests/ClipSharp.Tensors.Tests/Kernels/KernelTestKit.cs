using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// Shared helpers for the kernel-vs-oracle tests: seeded data, ISA selection and tolerant comparison.
internal static class KernelTestKit
{
    // Resolves an ISA name from a test's data row, skipping the test on hardware without it.
    public static KernelIsa Isa(string name)
    {
        KernelIsa isa = Enum.Parse<KernelIsa>(name);
        if (!KernelIsas.IsSupported(isa))
        {
            Assert.Skip($"{name} is not accelerated on this machine.");
        }

        return isa;
    }

    public static float[] Uniform(Random random, int count, float low, float high)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = low + ((high - low) * random.NextSingle());
        }

        return data;
    }

    // Passes when |actual − expected| ≤ rtol·|expected| + atol elementwise, NaN matching NaN and
    // infinities matching exactly.
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol, double atol, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i];
            float a = actual[i];
            if (float.IsNaN(e) || float.IsInfinity(e))
            {
                Assert.True(e.Equals(a), $"{context}: element {i} expected {e} got {a}");
                continue;
            }

            double error = Math.Abs((double)a - e);
            double bound = (rtol * Math.Abs(e)) + atol;
            Assert.True(error <= bound, $"{context}: element {i} expected {e:R} got {a:R} (error {error:E3} > bound {bound:E3})");
        }
    }

    // Per-element tolerance scale, for outputs that are sums of products.
    public static void CloseScaled(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> scale, double rtol, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            double bound = rtol * scale[i];
            Assert.True(error <= bound, $"{context}: element {i} expected {expected[i]:R} got {actual[i]:R} (error {error:E3} > bound {bound:E3})");
        }
    }

    public static float[] Abs(float[] x) => Array.ConvertAll(x, MathF.Abs);
}
