namespace ClipSharp.Generation;

/// <summary>
/// The smooth parametrisation: a sum of RGB planes at halving resolutions (the finest at the image's size, the
/// coarsest 2 or 3 pixels), each upsampled bilinearly to the image, then a sigmoid to [0, 1]. The finer a level, the
/// smaller its weight, so the optimiser, which moves every value by about the same step, changes broad regions of
/// colour first and fine detail last; sharp pixel-level patterns cost many coordinated moves.
/// </summary>
internal sealed class ImagePyramid : IImageParametrization
{
    /// <summary>Each level weighs this much of the next coarser one.</summary>
    public const float FinerWeight = 0.5f;

    private readonly int[] _sizes;
    private readonly int[] _offsets;
    private readonly float[] _weights;
    private readonly float[] _logits;
    private readonly float[] _scratch;

    private ImagePyramid(int size, int[] sizes, float[] values)
    {
        Size = size;
        _sizes = sizes;
        _offsets = new int[sizes.Length];
        _weights = new float[sizes.Length];
        for (int l = 1; l < sizes.Length; l++)
        {
            _offsets[l] = _offsets[l - 1] + (3 * sizes[l - 1] * sizes[l - 1]);
        }

        for (int l = 0; l < sizes.Length; l++)
        {
            _weights[l] = MathF.Pow(FinerWeight, sizes.Length - 1 - l);
        }

        Values = values;
        _logits = new float[3 * size * size];
        _scratch = new float[3 * size * size];
    }

    public int Size { get; }

    public float[] Values { get; }

    /// <summary>Levels from the finest (the image's size) to the coarsest, at least 2 pixels, each drawn ~N(0, std²).</summary>
    public static ImagePyramid Create(int size, GenerationRandom random, float std)
    {
        ArgumentNullException.ThrowIfNull(random);
        var sizes = new List<int>();
        for (int s = size; s >= 2; s = (s + 1) / 2)
        {
            sizes.Add(s);
            if (s == 2)
            {
                break;
            }
        }

        var values = new float[sizes.Sum(s => 3 * s * s)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = std * random.Normal();
        }

        return new ImagePyramid(size, [.. sizes], values);
    }

    public void Render(Span<float> rgb)
    {
        Array.Clear(_logits);
        for (int l = 0; l < _sizes.Length; l++)
        {
            int n = _sizes[l];
            BilinearWindow.Whole(n).Sample(Level(l), n, _scratch, Size, 3);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_scratch, _weights[l], _logits, _logits);
        }

        System.Numerics.Tensors.TensorPrimitives.Sigmoid(_logits, rgb);
    }

    public void Backward(ReadOnlySpan<float> dRgb, Span<float> dValues)
    {
        // d logit = d rgb · σ'(logit), with σ' = σ(1 − σ) from the rendered values.
        System.Numerics.Tensors.TensorPrimitives.Sigmoid(_logits, _scratch);
        for (int i = 0; i < _scratch.Length; i++)
        {
            float p = _scratch[i];
            _scratch[i] = dRgb[i] * p * (1 - p);
        }

        dValues.Clear();
        for (int l = 0; l < _sizes.Length; l++)
        {
            int n = _sizes[l];
            Span<float> dLevel = dValues.Slice(_offsets[l], 3 * n * n);
            BilinearWindow.Whole(n).Adjoint(_scratch, Size, dLevel, n, 3);
            System.Numerics.Tensors.TensorPrimitives.Multiply(dLevel, _weights[l], dLevel);
        }
    }

    public void Project()
    {
    }

    private ReadOnlySpan<float> Level(int l) => Values.AsSpan(_offsets[l], 3 * _sizes[l] * _sizes[l]);
}
