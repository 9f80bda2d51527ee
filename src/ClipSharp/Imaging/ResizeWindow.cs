namespace ClipSharp.Imaging;

/// <summary>A rectangle of a resize's output, in output pixels.</summary>
public readonly record struct ResizeWindow(int Left, int Top, int Width, int Height);
