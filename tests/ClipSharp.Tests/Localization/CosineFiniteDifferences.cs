using ClipSharp.Data;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Tests.Localization;

/// <summary>
/// Checks a backward pass's gradient of the image-prompt cosine at some activations, [cells, W] (one row per cell),
/// against central differences of a forward pass from those activations up.
/// </summary>
internal static class CosineFiniteDifferences
{
    /// <summary>
    /// Central differences with step <paramref name="h"/> along each cell's own gradient (the derivative there is the
    /// gradient's norm) and along four seeded random directions over every cell (the derivative is their dot with the
    /// gradient). <paramref name="cosineDisplacedBy"/> gets a displacement of the activations, [cells, W], and returns
    /// the cosine computed from the displaced activations.
    /// </summary>
    public static void AssertMatch(float[] gradients, int cells, int width, Func<float[], float> cosineDisplacedBy, float h, ulong seed)
    {
        var random = new DataRandom(seed);
        var directions = new List<float[]>();
        for (int p = 0; p < cells; p++)
        {
            var d = new float[cells * width];
            gradients.AsSpan(p * width, width).CopyTo(d.AsSpan(p * width, width));
            directions.Add(d);
        }

        for (int k = 0; k < 4; k++)
        {
            directions.Add([.. Enumerable.Range(0, cells * width).Select(_ => (float)random.NextInt(2001) - 1000f)]);
        }

        double largest = 0, worst = 0;
        string where = "";
        foreach (float[] d in directions)
        {
            TensorPrimitives.Multiply(d, 1f / TensorPrimitives.Norm(d), d);
            double expected = TensorPrimitives.Dot(d, gradients);
            var plus = new float[d.Length];
            var minus = new float[d.Length];
            TensorPrimitives.Multiply(d, h, plus);
            TensorPrimitives.Multiply(d, -h, minus);
            double numeric = (cosineDisplacedBy(plus) - (double)cosineDisplacedBy(minus)) / (2 * h);
            largest = Math.Max(largest, Math.Abs(expected));
            if (Math.Abs(numeric - expected) > worst)
            {
                worst = Math.Abs(numeric - expected);
                where = $"backward {expected}, finite difference {numeric}";
            }
        }

        Assert.True(largest > 1e-4, $"the gradient is all but zero ({largest}).");
        Assert.True(worst <= 2e-3 * largest, $"error {worst} against the largest derivative {largest} ({where}).");
    }
}
