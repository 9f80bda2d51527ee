using ClipSharp.Imaging;

namespace ClipSharp.Localization;

/// <summary>
/// The part of an image that the model sees, in the image's own pixel coordinates (fractional: the resize scales
/// them). CLIP's transform resizes the shorter side to the model's resolution and centre-crops the longer one, so
/// for a non-square image the strips beyond the crop are never looked at.
/// </summary>
public readonly record struct ModelView(double Left, double Top, double Width, double Height)
{
    /// <summary>The view of <c>Resize(n)</c> + <c>CenterCrop(n)</c> on a <paramref name="width"/> × <paramref name="height"/> image.</summary>
    public static ModelView Of(int width, int height, int resolution)
    {
        (int rw, int rh) = ClipResizeGeometry.ResizedSize(width, height, resolution);
        double sx = (double)width / rw;
        double sy = (double)height / rh;
        return new ModelView(
            ClipResizeGeometry.CenterCropOffset(rw, resolution) * sx,
            ClipResizeGeometry.CenterCropOffset(rh, resolution) * sy,
            resolution * sx,
            resolution * sy);
    }
}
