namespace ClipSharp.Generation;

/// <summary>How <see cref="ClipGenerator"/> optimises an image; the defaults are the smooth, augmented method.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Fixes the starting image, the views and the noise: the same seed gives the same image.</summary>
    public int Seed { get; init; }

    /// <summary>Pixels per side of the image; null: the model's input resolution.</summary>
    public int? Size { get; init; }

    /// <summary>Adam's step size on the parametrisation's values.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>What is optimised: the image pyramid (smooth) or the raw pixels (the adversarial baseline).</summary>
    public ImageParametrization Parametrization { get; init; } = ImageParametrization.Pyramid;

    /// <summary>Random crops, shifts and pixel noise on every step; without them one fixed view is optimised.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Augmented views per step, their gradients averaged (ignored without <see cref="Augment"/>).</summary>
    /// <remarks>8 rather than 6: on the demo's models another model names the colour of 47 of 48 images instead of 43
    /// (docs/generation.md), for a third more time per step.</remarks>
    public int Views { get; init; } = 8;

    /// <summary>The smallest crop as a share of the image's side; crops are resampled to the model's resolution.</summary>
    public double MinCropScale { get; init; } = 0.5;

    /// <summary>Standard deviation of the Gaussian noise added to each view's [0, 1] pixels.</summary>
    public float Noise { get; init; } = 0.03f;

    /// <summary>Weight of the total-variation penalty against the cosine similarity (0: none).</summary>
    public float TotalVariation { get; init; } = 1f;

    /// <summary>Keep a frame of the trajectory every this many steps (and the last); 0: none.</summary>
    public int FrameEvery { get; init; }

    /// <summary>The raw-pixel baseline with everything else the same: no pyramid, no augmentations, no smoothness penalty.</summary>
    public GeneratorOptions AsRawPixelBaseline() => this with
    {
        Parametrization = ImageParametrization.RawPixels,
        Augment = false,
        TotalVariation = 0f,
    };
}
