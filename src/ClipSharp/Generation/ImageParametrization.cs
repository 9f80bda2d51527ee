namespace ClipSharp.Generation;

/// <summary>What <see cref="ClipGenerator"/> optimises.</summary>
public enum ImageParametrization
{
    /// <summary>A sum of upsampled low-resolution planes, then a sigmoid: smooth images.</summary>
    Pyramid,

    /// <summary>The pixels themselves, clamped to [0, 1]: the adversarial baseline.</summary>
    RawPixels,
}
