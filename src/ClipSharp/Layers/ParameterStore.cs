using ClipSharp.Tensors;

namespace ClipSharp.Layers;

/// <summary>The one contiguous float buffer behind a <see cref="ParameterLayout"/>; binds every entry to its view.</summary>
public sealed class ParameterStore
{
    private ParameterStore(ParameterLayout layout, float[] data)
    {
        Layout = layout;
        Data = data;
        Memory<float> memory = data;
        foreach (Parameter p in layout.Entries)
        {
            p.Bind(memory);
        }
    }

    public ParameterLayout Layout { get; }

    public float[] Data { get; }

    public static ParameterStore Allocate(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Count > Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"{layout.Count} floats do not fit one .NET array (at most {Array.MaxLength}).");
        }

        return new ParameterStore(layout, new float[layout.Count]);
    }

    /// <summary>Fills every entry as its declaration asks; normal draws come from a seeded generator, so runs repeat.</summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        foreach (Parameter p in Layout.Entries)
        {
            Span<float> v = p.Value.Span;
            switch (p.Init)
            {
                case ParameterInit.Zeros:
                    v.Clear();
                    break;
                case ParameterInit.Ones:
                    v.Fill(1f);
                    break;
                case ParameterInit.Constant:
                    v.Fill(p.InitValue);
                    break;
                case ParameterInit.Normal:
                    for (int i = 0; i < v.Length; i++)
                    {
                        v[i] = (float)(NextGaussian(random) * p.InitValue);
                    }

                    break;
                default:
                    throw new InvalidOperationException($"parameter '{p.Name}' has an unknown initialisation {p.Init}.");
            }
        }
    }

    // Box–Muller; System.Random has no normal sampler.
    private static double NextGaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public Tensor this[string name]
        => Layout.TryGet(name, out Parameter p) ? p.Value : throw new KeyNotFoundException($"no parameter named '{name}'.");
}
