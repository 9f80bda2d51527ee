using System.Runtime.InteropServices;
using ClipSharp.Imaging;
using SkiaSharp;

namespace ClipSharp.Data.Synthetic;

/// <summary>Draws scenes with SkiaSharp (antialiased shapes on a pixel-exact background) as RGB images or PNG files.</summary>
public static class SceneRenderer
{
    public const int MinSize = 48;
    public const int MaxSize = 64;

    // Object radius as a fraction of a grid cell: a large object nearly fills its cell, a small one about half of it.
    private const float LargeRadius = 0.46f;
    private const float SmallRadius = 0.32f;

    /// <summary>The scene as 8-bit RGB: [size, size, 3].</summary>
    public static DecodedImage Render(SynthScene scene, int size)
    {
        using SKBitmap bitmap = Draw(scene, size);
        var rgba = new byte[size * size * 4];
        Marshal.Copy(bitmap.GetPixels(), rgba, 0, rgba.Length);
        var rgb = new byte[size * size * 3];
        for (int i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }

        return new DecodedImage(size, size, PixelMode.RGB, rgb);
    }

    /// <summary>The scene as a PNG file's bytes.</summary>
    public static byte[] RenderPng(SynthScene scene, int size)
    {
        using SKBitmap bitmap = Draw(scene, size);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("Skia could not encode the synthetic image as PNG.");
        return png.ToArray();
    }

    /// <summary>
    /// Each object's mask in the scene as <see cref="Render"/> draws it: [objects] of [size, size], row-major, true where
    /// the object covers at least half of the pixel (its antialiased coverage, drawn alone, is at least 128 of 255).
    /// Objects sit in distinct cells and stay inside them, so the masks do not overlap.
    /// </summary>
    public static IReadOnlyList<bool[]> RenderMasks(SynthScene scene, int size)
    {
        RequireSize(scene, size);
        var masks = new bool[scene.Objects.Count][];
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Alpha8, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = SKColors.White };
        var coverage = new byte[bitmap.RowBytes * size];
        for (int k = 0; k < masks.Length; k++)
        {
            canvas.Clear(SKColors.Transparent);
            Draw(canvas, paint, scene.Objects[k], size);
            canvas.Flush();
            Marshal.Copy(bitmap.GetPixels(), coverage, 0, coverage.Length);
            var mask = new bool[size * size];
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    mask[(y * size) + x] = coverage[(y * bitmap.RowBytes) + x] >= 128;
                }
            }

            masks[k] = mask;
        }

        return masks;
    }

    private static void RequireSize(SynthScene scene, int size)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (size is < MinSize or > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"synthetic images are {MinSize} to {MaxSize} pixels.");
        }
    }

    // One object at its place in a size × size picture, in the paint's colour.
    private static void Draw(SKCanvas canvas, SKPaint paint, SynthObject o, int size)
    {
        float cell = size / 3f;
        float r = (o.Large ? LargeRadius : SmallRadius) * cell;
        float room = Math.Max(0f, (cell * 0.5f) - (r * 1.05f));
        float cx = ((o.Cell % 3) + 0.5f) * cell + (o.OffsetX * room);
        float cy = ((o.Cell / 3) + 0.5f) * cell + (o.OffsetY * room);
        DrawShape(canvas, paint, o.Shape, cx, cy, r);
    }

    private static SKBitmap Draw(SynthScene scene, int size)
    {
        RequireSize(scene, size);
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        if (bitmap.RowBytes != size * 4)
        {
            bitmap.Dispose();
            throw new InvalidOperationException($"Skia gave a {size}-pixel bitmap {bitmap.RowBytes} bytes per row; expected {size * 4}.");
        }

        byte[] background = Background(scene.Background, size);
        Marshal.Copy(background, 0, bitmap.GetPixels(), background.Length);
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        foreach (SynthObject o in scene.Objects)
        {
            SynthColor color = SynthVocabulary.Colors[o.Color];
            paint.Color = new SKColor(color.R, color.G, color.B);
            Draw(canvas, paint, o, size);
        }

        canvas.Flush();
        return bitmap;
    }

    private static void DrawShape(SKCanvas canvas, SKPaint paint, SynthShape shape, float cx, float cy, float r)
    {
        switch (shape)
        {
            case SynthShape.Circle:
                canvas.DrawCircle(cx, cy, r, paint);
                break;
            case SynthShape.Square:
                float h = r * 0.85f;
                canvas.DrawRect(cx - h, cy - h, 2 * h, 2 * h, paint);
                break;
            case SynthShape.Triangle:
                // Centred on its bounding box rather than its centroid, so it sits in the cell like the others.
                canvas.DrawPath(Polygon(cx, cy + (r * 0.22f), r * 1.05f, 3, 1f), paint);
                break;
            case SynthShape.Star:
                canvas.DrawPath(Polygon(cx, cy + (r * 0.05f), r * 1.05f, 5, 0.45f), paint);
                break;
            case SynthShape.Cross:
                using (var path = new SKPath())
                {
                    float w = r * 0.32f;
                    path.AddRect(new SKRect(cx - r, cy - w, cx + r, cy + w));
                    path.AddRect(new SKRect(cx - w, cy - r, cx + w, cy + r));
                    canvas.DrawPath(path, paint);
                }

                break;
            case SynthShape.Ring:
                using (var ring = new SKPath())
                {
                    ring.AddCircle(cx, cy, r);
                    ring.AddCircle(cx, cy, r * 0.55f, SKPathDirection.CounterClockwise);
                    canvas.DrawPath(ring, paint);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape.");
        }
    }

    // A regular polygon (innerRatio 1) or star (alternate vertices at innerRatio · radius), first vertex straight up.
    private static SKPath Polygon(float cx, float cy, float radius, int points, float innerRatio)
    {
        var path = new SKPath();
        int vertices = innerRatio < 1f ? points * 2 : points;
        for (int i = 0; i < vertices; i++)
        {
            double angle = (-Math.PI / 2) + (i * 2 * Math.PI / vertices);
            float rr = innerRatio < 1f && i % 2 == 1 ? radius * innerRatio : radius;
            float x = cx + (rr * (float)Math.Cos(angle));
            float y = cy + (rr * (float)Math.Sin(angle));
            if (i == 0)
            {
                path.MoveTo(x, y);
            }
            else
            {
                path.LineTo(x, y);
            }
        }

        path.Close();
        return path;
    }

    // rgba: [size, size, 4], opaque
    private static byte[] Background(SynthBackground b, int size)
    {
        var rgba = new byte[size * size * 4];
        var noise = new DataRandom(b.NoiseSeed);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                (byte R, byte G, byte B) tone = b.Tone;
                int jitter = 0;
                switch (b.Kind)
                {
                    case SynthBackgroundKind.Striped:
                        int along = b.Direction switch { 0 => y, 1 => x, _ => x + y };
                        tone = (along / b.Period) % 2 == 0 ? b.Tone : b.Second;
                        break;
                    case SynthBackgroundKind.Checkered:
                        tone = ((x / b.Period) + (y / b.Period)) % 2 == 0 ? b.Tone : b.Second;
                        break;
                    case SynthBackgroundKind.Noisy:
                        // Grey noise (the same offset on R, G and B) adds texture without adding colour.
                        jitter = noise.NextInclusive(-28, 28);
                        break;
                }

                int i = ((y * size) + x) * 4;
                rgba[i] = (byte)Math.Clamp(tone.R + jitter, 0, 255);
                rgba[i + 1] = (byte)Math.Clamp(tone.G + jitter, 0, 255);
                rgba[i + 2] = (byte)Math.Clamp(tone.B + jitter, 0, 255);
                rgba[i + 3] = 255;
            }
        }

        return rgba;
    }
}
