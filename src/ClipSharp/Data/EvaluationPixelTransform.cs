using ClipSharp.Imaging;

namespace ClipSharp.Data;

/// <summary>The exact evaluation preprocessing (<see cref="ClipImageTransform"/>) in the pipeline: no randomness.</summary>
public sealed class EvaluationPixelTransform : IPixelTransform
{
    public EvaluationPixelTransform(ClipImageTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        Transform = transform;
    }

    public ClipImageTransform Transform { get; }

    public int Resolution => Transform.Resolution;

    public void Apply(DecodedImage image, ulong seed, Span<float> destination) => Transform.Apply(image, destination);
}
