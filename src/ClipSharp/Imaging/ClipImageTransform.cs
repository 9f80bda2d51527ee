namespace ClipSharp.Imaging;

/// <summary>
/// CLIP's evaluation preprocessing, <c>clip.clip._transform(n)</c>, bit for bit:
/// <c>Resize(n, BICUBIC)</c> (Pillow's resize), <c>CenterCrop(n)</c>, <c>convert("RGB")</c>, <c>ToTensor()</c>,
/// <c>Normalize(mean, std)</c>. Output: float32 CHW <c>[3, n, n]</c>.
/// </summary>
public sealed class ClipImageTransform
{
    /// <summary>The per-channel RGB mean of CLIP's training images (as used by the reference <c>Normalize</c>).</summary>
    public static IReadOnlyList<float> ClipMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    public static IReadOnlyList<float> ClipStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The 224-pixel transform of ViT-B/32, ViT-B/16, ViT-L/14, RN50 and RN101.</summary>
    public static ClipImageTransform Default224 { get; } = new(224);

    private readonly float[] _mean;
    private readonly float[] _std;

    public ClipImageTransform(int resolution, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        if (resolution <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "the input resolution must be positive.");
        }

        _mean = [.. mean ?? ClipMean];
        _std = [.. std ?? ClipStd];
        if (_mean.Length != 3 || _std.Length != 3)
        {
            throw new ArgumentException($"mean and std need 3 values (R, G, B), got {_mean.Length} and {_std.Length}.");
        }

        if (Array.Exists(_std, s => s == 0f || !float.IsFinite(s)) || Array.Exists(_mean, m => !float.IsFinite(m)))
        {
            throw new ArgumentException("std must be finite and non-zero, mean finite.", nameof(std));
        }

        Resolution = resolution;
    }

    public int Resolution { get; }

    public IReadOnlyList<float> Mean => _mean;

    public IReadOnlyList<float> Std => _std;

    /// <summary>pixel values: [3, n, n]</summary>
    public float[] Apply(DecodedImage image)
    {
        var result = new float[3 * Resolution * Resolution];
        Apply(image, result);
        return result;
    }

    /// <summary>destination: [3, n, n]</summary>
    public void Apply(DecodedImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        int n = Resolution;
        if (destination.Length != 3 * n * n)
        {
            throw new ArgumentException($"the destination must hold [3, {n}, {n}] = {3 * n * n} floats, got {destination.Length}.", nameof(destination));
        }

        byte[] rgb = ResizeCropToRgb(image);
        int plane = n * n;
        for (int c = 0; c < 3; c++)
        {
            float mean = _mean[c], std = _std[c];
            Span<float> outPlane = destination.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                // ToTensor then Normalize, as the float32 operations torchvision performs, in its order.
                float x = rgb[(3 * i) + c] / 255f;
                outPlane[i] = (x - mean) / std;
            }
        }
    }

    /// <summary>The crop of the resized image, converted to RGB. rgb: [n, n, 3]</summary>
    internal byte[] ResizeCropToRgb(DecodedImage image)
    {
        int n = Resolution;
        (int rw, int rh) = ClipResizeGeometry.ResizedSize(image.Width, image.Height, n);
        var window = new ResizeWindow(ClipResizeGeometry.CenterCropOffset(rw, n), ClipResizeGeometry.CenterCropOffset(rh, n), n, n);
        ReadOnlySpan<byte> src = image.Pixels;
        int channels = image.Channels;
        var crop = new byte[n * n * channels];
        if (rw == image.Width && rh == image.Height)
        {
            // torchvision skips the resize when the size already matches; with no pass to run this is a copy.
            PillowResample.Bicubic(src, image.Width, image.Height, channels, rw, rh, window, crop);
        }
        else if (image.Mode is PixelMode.P or PixelMode.Bilevel)
        {
            // Pillow forces NEAREST for palette and 1-bit images; NEAREST on the looked-up colours equals
            // NEAREST on the indices followed by the palette lookup.
            PillowResample.Nearest(src, image.Width, image.Height, channels, rw, rh, window, crop);
        }
        else if (image.Mode is PixelMode.RGBA or PixelMode.LA)
        {
            byte[] premultiplied = src.ToArray();
            PillowAlpha.Premultiply(premultiplied, channels);
            PillowResample.Bicubic(premultiplied, image.Width, image.Height, channels, rw, rh, window, crop);
            PillowAlpha.Unpremultiply(crop, channels);
        }
        else
        {
            PillowResample.Bicubic(src, image.Width, image.Height, channels, rw, rh, window, crop);
        }

        // convert("RGB"); an RGB crop is already that.
        return channels == 3 ? crop : DecodedImage.ToRgb(crop, image.Mode);
    }
}
