using ClipSharp.Data;

namespace ClipSharp.Imaging;

/// <summary>
/// The training augmentation: a random crop covering a fraction <see cref="Scale"/> of the image area with an aspect
/// ratio drawn log-uniformly from <see cref="Ratio"/>, resized to <see cref="Resolution"/> square with Pillow's
/// bicubic filter, then normalised like <see cref="ClipImageTransform"/>. The crop is chosen the way torchvision's
/// <c>RandomResizedCrop</c> chooses it (ten tries, then a centred crop clamped to the ratio range); every draw comes
/// from the seed, so a sample crops the same way whenever it is replayed. There is no flip: captions name sides.
/// </summary>
public sealed class RandomResizedCrop : IPixelTransform
{
    private const int Attempts = 10;
    private readonly float[] _mean;
    private readonly float[] _std;

    public RandomResizedCrop(
        int resolution,
        (double Min, double Max)? scale = null,
        (double Min, double Max)? ratio = null,
        IReadOnlyList<float>? mean = null,
        IReadOnlyList<float>? std = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 1);
        Scale = scale ?? (0.9, 1.0);
        Ratio = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (!(Scale.Min > 0 && Scale.Min <= Scale.Max && Scale.Max <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), $"the crop scale range must satisfy 0 < min <= max <= 1, got ({Scale.Min}, {Scale.Max}).");
        }

        if (!(Ratio.Min > 0 && Ratio.Min <= Ratio.Max && double.IsFinite(Ratio.Max)))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), $"the aspect ratio range must satisfy 0 < min <= max, got ({Ratio.Min}, {Ratio.Max}).");
        }

        _mean = [.. mean ?? ClipImageTransform.ClipMean];
        _std = [.. std ?? ClipImageTransform.ClipStd];
        if (_mean.Length != 3 || _std.Length != 3 || Array.Exists(_std, s => s == 0f || !float.IsFinite(s)))
        {
            throw new ArgumentException("mean and std need 3 finite values each (R, G, B), std non-zero.");
        }

        Resolution = resolution;
    }

    public int Resolution { get; }

    public (double Min, double Max) Scale { get; }

    public (double Min, double Max) Ratio { get; }

    /// <summary>The crop (left, top, width, height) the seed picks in a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public (int Left, int Top, int Width, int Height) CropFor(int width, int height, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var random = new DataRandom(seed);
        double area = (double)width * height;
        double logMin = Math.Log(Ratio.Min), logMax = Math.Log(Ratio.Max);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double targetArea = area * random.NextDouble(Scale.Min, Scale.Max);
            double aspect = Math.Exp(random.NextDouble(logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w > 0 && h > 0 && w <= width && h <= height)
            {
                int top = random.NextInclusive(0, height - h);
                int left = random.NextInclusive(0, width - w);
                return (left, top, w, h);
            }
        }

        // Fallback: the whole image cut to the nearest allowed aspect ratio, centred.
        double inRatio = (double)width / height;
        int cw = width, ch = height;
        if (inRatio < Ratio.Min)
        {
            ch = Math.Clamp((int)Math.Round(width / Ratio.Min, MidpointRounding.ToEven), 1, height);
        }
        else if (inRatio > Ratio.Max)
        {
            cw = Math.Clamp((int)Math.Round(height * Ratio.Max, MidpointRounding.ToEven), 1, width);
        }

        return ((width - cw) / 2, (height - ch) / 2, cw, ch);
    }

    /// <summary>The cropped and resized RGB bytes. rgb: [Resolution, Resolution, 3]</summary>
    public byte[] CropResizeToRgb(DecodedImage image, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(image);
        (int left, int top, int w, int h) = CropFor(image.Width, image.Height, seed);
        byte[] rgb = image.ToRgb();
        // crop: [h, w, 3]
        var crop = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            rgb.AsSpan((((top + y) * image.Width) + left) * 3, w * 3).CopyTo(crop.AsSpan(y * w * 3));
        }

        return PillowResample.Bicubic(crop, w, h, 3, Resolution, Resolution);
    }

    /// <summary>destination: [3, Resolution, Resolution]</summary>
    public void Apply(DecodedImage image, ulong seed, Span<float> destination)
    {
        int n = Resolution;
        if (destination.Length != 3 * n * n)
        {
            throw new ArgumentException($"the destination must hold [3, {n}, {n}] = {3 * n * n} floats, got {destination.Length}.", nameof(destination));
        }

        byte[] rgb = CropResizeToRgb(image, seed);
        int plane = n * n;
        for (int c = 0; c < 3; c++)
        {
            float mean = _mean[c], std = _std[c];
            Span<float> outPlane = destination.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                outPlane[i] = ((rgb[(3 * i) + c] / 255f) - mean) / std;
            }
        }
    }
}
