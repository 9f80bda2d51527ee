namespace ClipSharp.Data.Synthetic;

/// <summary>A scene with its caption and the id of the caption's template (<see cref="CaptionWriter.Templates"/>).</summary>
public sealed record SynthItem(SynthScene Scene, string Caption, int Template);
