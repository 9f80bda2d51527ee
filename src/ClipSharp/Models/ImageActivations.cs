using ClipSharp.Tensors;

namespace ClipSharp.Models;

/// <summary>An image tower's training forward pass: its output features [B, E] and the values its backward pass reads.</summary>
public abstract class ImageActivations
{
    protected ImageActivations(Tensor features)
    {
        Features = features ?? throw new ArgumentNullException(nameof(features));
    }

    public Tensor Features { get; }

    public int Batch => Features.Dim(0);
}
