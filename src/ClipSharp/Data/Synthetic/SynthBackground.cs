namespace ClipSharp.Data.Synthetic;

public enum SynthBackgroundKind
{
    Plain,
    Striped,
    Checkered,
    Noisy,
}

/// <summary>
/// A background: a low-saturation base tone (grey or beige) and, for the textured kinds, a second tone, the stripe or
/// check period in pixels, the stripe direction (0 horizontal, 1 vertical, 2 diagonal) and the noise seed.
/// </summary>
public sealed record SynthBackground(SynthBackgroundKind Kind, (byte R, byte G, byte B) Tone, (byte R, byte G, byte B) Second, int Period, int Direction, ulong NoiseSeed);
