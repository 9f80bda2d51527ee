using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
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

    /// <summary>
    /// The one forward pass, into a training workspace: <paramref name="pass"/> says whether batch norm uses batch
    /// statistics and whether the activations the backward pass reads are kept. Features are bit for bit those of the
    /// inference forward in the same mode, kept or not. images: [B, 3, R, R] -> destination: [B, E].
    /// </summary>
    internal void Forward(ReadOnlySpan<float> images, int batch, Span<float> destination, Workspace workspace, ForwardPass pass);

    // dFeatures: [B, E] -> parameter gradients, accumulated into grads (same layout as the parameters), from what the
    // last kept forward pass left in the workspace.
    internal void Backward(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads);
}
