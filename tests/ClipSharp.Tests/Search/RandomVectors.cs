namespace ClipSharp.Tests.Search;

/// <summary>Normalised random vectors from a fixed seed: [N, D] row-major.</summary>
internal static class RandomVectors
{
    public static float[] Normalised(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        var data = new float[count * dimension];
        for (int i = 0; i < count; i++)
        {
            Span<float> row = data.AsSpan(i * dimension, dimension);
            for (int j = 0; j < dimension; j++)
            {
                // Box–Muller: Gaussian components make the directions uniform on the sphere.
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                row[j] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }

            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }

        return data;
    }
}
