using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Models;

namespace ClipSharp.Generation;

/// <summary>
/// The image tower as a function of its input pixels: a forward pass that keeps its activations, then the backward
/// pass down to the (normalised) pixels. The parameter gradients the backward also produces are not wanted and are
/// cleared before each pass, so they never grow.
/// </summary>
internal sealed class ImageTowerGradient : IDisposable
{
    private readonly IImageEncoder _tower;
    private readonly Workspace _workspace = new();
    private readonly ParameterStore _discarded;

    private ImageTowerGradient(ClipModel model)
    {
        _tower = model.Visual;
        _discarded = model.CreateGradients();
    }

    public int Resolution => _tower.ImageResolution;

    public int OutputDim => _tower.OutputDim;

    /// <summary>
    /// Only a ViT: a ResNet's batch norms would need eval-mode statistics with kept activations, which its training
    /// passes do not offer (they normalise by the batch and move the running statistics).
    /// </summary>
    /// <exception cref="NotSupportedException">The image tower is not a vision transformer.</exception>
    public static ImageTowerGradient Create(ClipModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Visual is not VisionTransformer)
        {
            throw new NotSupportedException(
                "gradients down to the pixels need a ViT image tower; this model's is a ResNet, whose batch norms have no eval-mode backward pass.");
        }

        return new ImageTowerGradient(model);
    }

    // images: [B, 3, R, R] normalised -> features: [B, E], the activations kept for Backward.
    public void Forward(ReadOnlySpan<float> images, int batch, Span<float> features)
        => _tower.Forward(images, batch, features, _workspace, ForwardPass.Keep);

    // dFeatures: [B, E] -> dImages: [B, 3, R, R] (overwritten), for the last Forward.
    public void Backward(ReadOnlySpan<float> dFeatures, Span<float> dImages)
    {
        Array.Clear(_discarded.Data);
        _tower.Backward(_workspace, dFeatures, _discarded, dImages);
    }

    public void Dispose() => _workspace.Dispose();
}
