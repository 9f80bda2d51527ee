namespace ClipSharp.Generation;

/// <summary>
/// The baseline parametrisation: the pixels themselves, started from noise and clamped to [0, 1] after each step.
/// Optimised without augmentations this is how adversarial examples are made.
/// </summary>
internal sealed class RawPixels : IImageParametrization
{
    private RawPixels(int size, float[] values)
    {
        Size = size;
        Values = values;
    }

    public int Size { get; }

    public float[] Values { get; }

    /// <summary>Grey plus Gaussian noise of <paramref name="std"/>, clamped to [0, 1].</summary>
    public static RawPixels Create(int size, GenerationRandom random, float std)
    {
        ArgumentNullException.ThrowIfNull(random);
        var values = new float[3 * size * size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Clamp(0.5f + (std * random.Normal()), 0f, 1f);
        }

        return new RawPixels(size, values);
    }

    public void Render(Span<float> rgb) => Values.CopyTo(rgb);

    public void Backward(ReadOnlySpan<float> dRgb, Span<float> dValues) => dRgb.CopyTo(dValues);

    public void Project()
    {
        for (int i = 0; i < Values.Length; i++)
        {
            Values[i] = Math.Clamp(Values[i], 0f, 1f);
        }
    }
}
