namespace ClipSharp.Training;

/// <summary>Clipping by the global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    public static double GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        foreach (float g in gradients)
        {
            sum += (double)g * g;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Scales every gradient by maxNorm/(norm + 1e-6) when the norm exceeds maxNorm; returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(Span<float> gradients, double maxNorm)
    {
        if (!(maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the maximum gradient norm must be positive.");
        }

        double norm = GlobalNorm(gradients);
        double factor = maxNorm / (norm + 1e-6);
        if (factor < 1)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, (float)factor, gradients);
        }

        return norm;
    }
}
