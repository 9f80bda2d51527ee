using ClipSharp.Tensors;

namespace ClipSharp.Models;

internal static class ImageInput
{
    // images must be [B >= 1, 3, R, R] for the tower's resolution R.
    public static int Validate(Tensor images, int resolution)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 4 || images.Dim(1) != 3 || images.Dim(2) != resolution || images.Dim(3) != resolution)
        {
            throw new ArgumentException(
                $"images must have shape [batch, 3, {resolution}, {resolution}] for this model, got {images.ShapeString}.",
                nameof(images));
        }

        if (images.Dim(0) == 0)
        {
            throw new ArgumentException("images holds a batch of 0 images; encode at least one.", nameof(images));
        }

        return images.Dim(0);
    }

    // images: B >= 1 images of [3, R, R] as a flat span.
    public static void Validate(int length, int batch, int resolution)
    {
        if (batch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "encode at least one image (batch >= 1).");
        }

        long needed = (long)batch * 3 * resolution * resolution;
        if (length != needed)
        {
            throw new ArgumentException(
                $"images must hold batch x 3 x {resolution} x {resolution} = {needed} floats for this model, got {length}.", "images");
        }
    }
}
