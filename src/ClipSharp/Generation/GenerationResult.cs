using ClipSharp.Imaging;

namespace ClipSharp.Generation;

/// <summary>
/// A generated image. <see cref="Similarity"/> is the cosine of the final image, preprocessed as any image file would
/// be, with the prompt; <see cref="Trajectory"/> the mean cosine of each step's views, and <see cref="Frames"/> the
/// images kept along the way (<see cref="GeneratorOptions.FrameEvery"/>).
/// </summary>
public sealed record GenerationResult(
    string Prompt, DecodedImage Image, float Similarity, IReadOnlyList<float> Trajectory, IReadOnlyList<GenerationFrame> Frames);
