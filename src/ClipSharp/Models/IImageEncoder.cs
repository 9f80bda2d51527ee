using ClipSharp.Layers;
using ClipSharp.Tensors;

namespace ClipSharp.Models;

/// <summary>A CLIP image tower: <see cref="VisionTransformer"/> or <see cref="ModifiedResNet"/>.</summary>
public interface IImageEncoder
{
    int ImageResolution { get; }

    int OutputDim { get; }

    // images: [B, 3, R, R] (normalised) -> [B, E]
    Tensor Forward(Tensor images, Action<string, Tensor>? observer = null);

    /// <summary>
    /// The inference forward pass into a caller's buffer of exactly [B, E] floats. Intermediates are rented from a
    /// pool, so after a first call of the same shape a call allocates no managed memory; concurrent calls are safe.
    /// </summary>
    // images: [B, 3, R, R] (normalised) -> destination: [B, E]
    void Forward(Tensor images, Span<float> destination);

    /// <summary>The training forward pass (train-mode batch norm): the features and what Backward needs.</summary>
    ImageActivations ForwardTraining(Tensor images);

    // dFeatures: [B, E] -> parameter gradients, accumulated into grads (same layout as the parameters).
    void Backward(ImageActivations activations, ReadOnlySpan<float> dFeatures, ParameterStore grads);
}
