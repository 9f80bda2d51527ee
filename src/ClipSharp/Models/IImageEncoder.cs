using ClipSharp.Tensors;

namespace ClipSharp.Models;

/// <summary>A CLIP image tower: <see cref="VisionTransformer"/> or <see cref="ModifiedResNet"/>.</summary>
public interface IImageEncoder
{
    int ImageResolution { get; }

    int OutputDim { get; }

    // images: [B, 3, R, R] (normalised) -> [B, E]
    Tensor Forward(Tensor images, Action<string, Tensor>? observer = null);
}
