using ClipSharp.Imaging;

namespace ClipSharp.Generation;

/// <summary>The image after <paramref name="Step"/> steps (0: the start) and the mean cosine of that step's views.</summary>
public sealed record GenerationFrame(int Step, DecodedImage Image, float Similarity);
