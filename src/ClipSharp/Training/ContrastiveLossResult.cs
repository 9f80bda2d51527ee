using ClipSharp.Tensors;

namespace ClipSharp.Training;

/// <summary>
/// The loss, logits_per_image [B, B], and the gradients of the loss with respect to the raw image and text features
/// [B, E] and to logit_scale.
/// </summary>
public sealed record ContrastiveLossResult(
    float Loss, Tensor LogitsPerImage, Tensor ImageGradient, Tensor TextGradient, float LogitScaleGradient);
