namespace ClipSharp.Training;

/// <summary>Clipping by the global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    public static double GlobalNorm(ReadOnlySpan<float> gradients) => Math.Sqrt(SumOfSquares(gradients));

    /// <summary>Scales every gradient by maxNorm/(norm + 1e-6) when the norm exceeds maxNorm; returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(Span<float> gradients, double maxNorm)
    {
        double norm = GlobalNorm(gradients);
        Scale(gradients, norm, maxNorm);
        return norm;
    }

    /// <summary>The sum of the squares in double, element by element: the norm's square.</summary>
    internal static double SumOfSquares(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        foreach (float g in gradients)
        {
            sum += (double)g * g;
        }

        return sum;
    }

    /// <summary>Clips <paramref name="gradients"/>, part or all of a set whose global norm is <paramref name="norm"/>.</summary>
    internal static void Scale(Span<float> gradients, double norm, double maxNorm)
    {
        if (!(maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the maximum gradient norm must be positive.");
        }

        double factor = maxNorm / (norm + 1e-6);
        if (factor < 1)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, (float)factor, gradients);
        }
    }
}
