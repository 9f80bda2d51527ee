using ClipSharp.Imaging;

namespace ClipSharp.Data;

/// <summary>
/// Turns a decoded image into the model's normalised input. the seed given to <see cref="Apply"/> drives any randomness,
/// so the pipeline can give each sample a seed derived from (run seed, epoch, index) and stay reproducible.
/// </summary>
public interface IPixelTransform
{
    int Resolution { get; }

    /// <summary>destination: [3, Resolution, Resolution]</summary>
    void Apply(DecodedImage image, ulong seed, Span<float> destination);
}
