namespace ClipSharp.Data.Synthetic;

/// <summary>One to three objects in distinct grid cells on a background.</summary>
public sealed record SynthScene(IReadOnlyList<SynthObject> Objects, SynthBackground Background);
