namespace ClipSharp.Generation;

/// <summary>What the optimiser moves instead of the pixels: a vector that renders to an RGB image in [0, 1].</summary>
internal interface IImageParametrization
{
    /// <summary>Pixels per side of the rendered image.</summary>
    int Size { get; }

    /// <summary>The values the optimiser updates.</summary>
    float[] Values { get; }

    // -> rgb: [3, Size, Size] in [0, 1], overwritten.
    void Render(Span<float> rgb);

    // dRgb: [3, Size, Size], the loss's gradient at the last Render -> dValues: [Values.Length], overwritten.
    void Backward(ReadOnlySpan<float> dRgb, Span<float> dValues);

    /// <summary>Brings the values back into their domain after an optimiser step.</summary>
    void Project();
}
