using ClipSharp.Models;
using ClipSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Localization;

/// <summary>
/// <see cref="LocateMethod.Occlusion"/> (occlusion sensitivity, Zeiler and Fergus, ECCV 2014, at several occluder
/// sizes): a square occluder, filled with the image's mean colour, slides over the model's input at a stride finer
/// than the model's grid; every occluded image goes through the image tower (inference only, batched), and each cell
/// of the stride's grid gets the mean, over the occluders of one size covering it, of how much the occlusion lowered
/// the prompt's score (<see cref="OcclusionScore"/>: its cosine with the image's embedding, or that cosine compared
/// with the other prompts'). The sizes' maps are merged (<see cref="OccluderSizeMerge"/>). Occluder positions run
/// past the borders, so every cell is covered by the same number of occluders of each size and the edges are not
/// weighed less than the middle.
/// </summary>
internal static class OcclusionSensitivity
{
    /// <summary>The occluders' sides and their stride in model pixels, <paramref name="options"/>' or the model's defaults, checked.</summary>
    /// <exception cref="LocateOptionsException">Sizes, a stride or a batch that cannot be used with this model.</exception>
    public static (IReadOnlyList<int> Sizes, int Stride) Geometry(ClipModel model, LocateOptions options)
    {
        int r = model.Visual.ImageResolution;
        int cell = r / model.Visual.DenseGrid;
        int stride = options.OcclusionStride ?? DefaultStride(cell);
        if (stride < 1 || r % stride != 0)
        {
            throw new LocateOptionsException(
                nameof(LocateOptions.OcclusionStride), stride, $"the occlusion stride must divide the model's resolution of {r} pixels.");
        }

        IReadOnlyList<int> sizes = options.OccluderSizes ?? DefaultSizes(cell, stride);
        if (sizes.Count == 0)
        {
            throw new LocateOptionsException(nameof(LocateOptions.OccluderSizes), "[]", "give at least one occluder size.");
        }

        foreach (int size in sizes)
        {
            if (size < stride || size > r || size % stride != 0)
            {
                throw new LocateOptionsException(
                    nameof(LocateOptions.OccluderSizes), size, $"an occluder's side must be a multiple of the stride ({stride}) from {stride} to the resolution ({r}).");
            }
        }

        if (!Enum.IsDefined(options.OcclusionScore))
        {
            throw new LocateOptionsException(nameof(LocateOptions.OcclusionScore), options.OcclusionScore, "unknown occlusion score.");
        }

        if (!Enum.IsDefined(options.OccluderSizeMerge))
        {
            throw new LocateOptionsException(nameof(LocateOptions.OccluderSizeMerge), options.OccluderSizeMerge, "unknown merge of the occluder sizes' maps.");
        }

        if (options.OcclusionBatch < 1)
        {
            throw new LocateOptionsException(nameof(LocateOptions.OcclusionBatch), options.OcclusionBatch, "the occlusion batch is at least 1 image.");
        }

        return (sizes, stride);
    }

    /// <summary>The default stride: the largest divisor of the model's grid cell that is at most a quarter of it.</summary>
    internal static int DefaultStride(int cell)
    {
        for (int s = cell / 4; s > 1; s--)
        {
            if (cell % s == 0)
            {
                return s;
            }
        }

        return 1;
    }

    /// <summary>The default sizes: a quarter, a half and the whole of the model's grid cell, as multiples of the stride.</summary>
    internal static IReadOnlyList<int> DefaultSizes(int cell, int stride)
        => [.. new[] { cell / 4, cell / 2, cell }.Select(s => Math.Max(stride, s / stride * stride)).Distinct()];

    /// <summary>Cells per side of the map: the model's resolution over the stride.</summary>
    public static int GridSize(ClipModel model, LocateOptions options) => model.Visual.ImageResolution / Geometry(model, options).Stride;

    /// <summary>How many images one map costs: the occluder positions of every size, and the image itself.</summary>
    public static int Passes(ClipModel model, LocateOptions options)
    {
        (IReadOnlyList<int> sizes, int stride) = Geometry(model, options);
        int g = model.Visual.ImageResolution / stride;
        return 1 + sizes.Sum(s => ((g + (s / stride) - 1) * (g + (s / stride) - 1)));
    }

    /// <summary>[P] of [G²] mean drops of the prompts' <see cref="LocateOptions.OcclusionScore"/>: pixels [3, R, R] normalised, texts [P, E] unit rows.</summary>
    public static float[][] Cells(ClipModel model, ReadOnlySpan<float> pixels, Tensor texts, LocateOptions options)
    {
        (IReadOnlyList<int> sizes, int stride) = Geometry(model, options);
        return Map(Occlude(model, pixels, texts, sizes, stride, options.OcclusionBatch), options.OcclusionScore, options.OccluderSizeMerge, MathF.Exp(model.LogitScale));
    }

    /// <summary>
    /// The cosines of the image and of every occluded image with each unit text (texts [P, E]): the forward passes,
    /// which any score is then computed from (<see cref="Map"/>).
    /// </summary>
    internal static OccludedCosines Occlude(ClipModel model, ReadOnlySpan<float> pixels, Tensor texts, IReadOnlyList<int> sizes, int stride, int batch)
    {
        int r = model.Visual.ImageResolution, g = r / stride, plane = r * r;
        Span<float> fill = stackalloc float[3];
        for (int c = 0; c < 3; c++)
        {
            fill[c] = TensorPrimitives.Sum(pixels.Slice(c * plane, plane)) / plane;
        }

        float[] baseline = Cosines(model, pixels.ToArray(), 1, texts);
        var occluded = new float[sizes.Count][];
        var images = new float[batch * 3 * plane];
        for (int s = 0; s < sizes.Count; s++)
        {
            int k = sizes[s] / stride, positions = g + k - 1, count = positions * positions;
            occluded[s] = new float[count * texts.Dim(0)];
            for (int first = 0; first < count; first += batch)
            {
                int n = Math.Min(batch, count - first);
                for (int b = 0; b < n; b++)
                {
                    Span<float> image = images.AsSpan(b * 3 * plane, 3 * plane);
                    pixels.CopyTo(image);
                    Occlude(image, r, stride, Covered(first + b, positions, k, g), fill);
                }

                Cosines(model, images, n, texts).CopyTo(occluded[s], first * texts.Dim(0));
            }
        }

        return new OccludedCosines(g, stride, sizes, baseline, occluded);
    }

    /// <summary>
    /// [P] of [G²]: each cell's mean, over the occluders of one size covering it, of the drop of every prompt's
    /// <paramref name="score"/> from the image to the occluded image, the sizes' maps merged by <paramref name="merge"/>.
    /// <paramref name="scale"/> is the model's logit scale (not its log).
    /// </summary>
    internal static float[][] Map(OccludedCosines cosines, OcclusionScore score, OccluderSizeMerge merge, float scale)
    {
        int g = cosines.Grid, prompts = cosines.Baseline.Length, sizes = cosines.Sizes.Count;
        var baseline = new float[prompts];
        OcclusionScoring.Of(score, cosines.Baseline, scale, baseline);
        var result = new float[prompts][];
        for (int p = 0; p < prompts; p++)
        {
            result[p] = new float[g * g];
            if (merge == OccluderSizeMerge.GeometricMean)
            {
                Array.Fill(result[p], 1f);
            }
        }

        var sums = new float[prompts * g * g];
        var drops = new float[prompts];
        for (int s = 0; s < sizes; s++)
        {
            int k = cosines.Sizes[s] / cosines.Stride, positions = g + k - 1, count = positions * positions;
            Array.Clear(sums);
            for (int o = 0; o < count; o++)
            {
                OcclusionScoring.Drops(score, cosines.Baseline, baseline, cosines.Occluded[s].AsSpan(o * prompts, prompts), scale, drops);
                (int left, int top, int right, int bottom) = Covered(o, positions, k, g);
                for (int p = 0; p < prompts; p++)
                {
                    float drop = drops[p];
                    for (int y = top; y < bottom; y++)
                    {
                        Span<float> row = sums.AsSpan((p * g * g) + (y * g) + left, right - left);
                        TensorPrimitives.Add(row, drop, row);
                    }
                }
            }

            // Each cell is under k² occluders of this size; every size counts the same in the merge.
            for (int p = 0; p < prompts; p++)
            {
                Span<float> map = sums.AsSpan(p * g * g, g * g);
                if (merge == OccluderSizeMerge.Mean)
                {
                    TensorPrimitives.MultiplyAdd(map, 1f / (k * k * sizes), result[p], result[p]);
                    continue;
                }

                // Dividing by the map's own maximum undoes the larger drops of larger occluders.
                float max = Math.Max(TensorPrimitives.Max(map), 1e-12f);
                for (int c = 0; c < map.Length; c++)
                {
                    result[p][c] *= MathF.Pow(Math.Max(0f, map[c] / max), 1f / sizes);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The cells [left, right) × [top, bottom) of the g × g grid that occluder <paramref name="index"/> of one size
    /// (k cells a side) covers: its top-left corner runs from 1 − k to g − 1 along each axis, clipped to the grid.
    /// </summary>
    internal static (int Left, int Top, int Right, int Bottom) Covered(int index, int positions, int k, int g)
    {
        int x = (index % positions) - (k - 1), y = (index / positions) - (k - 1);
        return (Math.Max(0, x), Math.Max(0, y), Math.Min(g, x + k), Math.Min(g, y + k));
    }

    // image: [3, r, r]; the pixels of the covered cells take the fill colour.
    private static void Occlude(Span<float> image, int r, int stride, (int Left, int Top, int Right, int Bottom) cells, ReadOnlySpan<float> fill)
    {
        int left = cells.Left * stride, width = (cells.Right - cells.Left) * stride;
        for (int c = 0; c < 3; c++)
        {
            for (int y = cells.Top * stride; y < cells.Bottom * stride; y++)
            {
                image.Slice((((c * r) + y) * r) + left, width).Fill(fill[c]);
            }
        }
    }

    // images: [n, 3, R, R] (the first n of the buffer) -> [n, P] cosines with the unit texts.
    private static float[] Cosines(ClipModel model, float[] images, int n, Tensor texts)
    {
        int r = model.Visual.ImageResolution, e = model.Visual.OutputDim, prompts = texts.Dim(0);
        var features = new float[n * e];
        model.EncodeImage(new Tensor(images.AsMemory(0, n * 3 * r * r), n, 3, r, r), features);
        var cosines = new float[n * prompts];
        for (int b = 0; b < n; b++)
        {
            ReadOnlySpan<float> f = features.AsSpan(b * e, e);
            float norm = TensorPrimitives.Norm(f);
            for (int p = 0; p < prompts; p++)
            {
                cosines[(b * prompts) + p] = TensorPrimitives.Dot(f, texts.Span.Slice(p * e, e)) / norm;
            }
        }

        return cosines;
    }
}
