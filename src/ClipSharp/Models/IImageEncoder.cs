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

    /// <summary>Side of the grid of <see cref="ForwardDense"/>: ViT patches per side, ResNet R/32.</summary>
    int DenseGrid { get; }

    /// <summary>
    /// Dense, spatial image features in the joint embedding space, without training (MaskCLIP): one feature per
    /// cell of a <see cref="DenseGrid"/>² grid, in row-major order, not normalised; each tower's doc says exactly how.
    /// images: [B, 3, R, R] (normalised) -> [B, DenseGrid², E].
    /// </summary>
    Tensor ForwardDense(Tensor images);

    /// <summary>
    /// The one forward pass, into a training workspace: <paramref name="pass"/> says whether batch norm uses batch
    /// statistics and whether the activations the backward pass reads are kept. Features are bit for bit those of the
    /// inference forward in the same mode, kept or not. images: [B, 3, R, R] -> destination: [B, E].
    /// </summary>
    internal void Forward(ReadOnlySpan<float> images, int batch, Span<float> destination, Workspace workspace, ForwardPass pass);

    // dFeatures: [B, E] -> parameter gradients, accumulated into grads (same layout as the parameters), from what the
    // last kept forward pass left in the workspace.
    internal void Backward(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads) => Backward(workspace, dFeatures, grads, default);

    // As above, and the gradient with respect to the (normalised) input images into dImages: [B, 3, R, R],
    // overwritten; empty to skip it, as training does.
    internal void Backward(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads, Span<float> dImages);
}
