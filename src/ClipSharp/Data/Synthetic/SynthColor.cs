namespace ClipSharp.Data.Synthetic;

/// <summary>An object colour: saturated, so no background tone (all low-saturation) can be mistaken for it.</summary>
public sealed record SynthColor(string Name, byte R, byte G, byte B);
