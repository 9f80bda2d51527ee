using ClipSharp.Tensors;

namespace ClipSharp.Layers;

/// <summary>The one contiguous float buffer behind a <see cref="ParameterLayout"/>; binds every entry to its view.</summary>
public sealed class ParameterStore
{
    private ParameterStore(ParameterLayout layout, float[] data, bool bind)
    {
        Layout = layout;
        Data = data;
        if (bind)
        {
            Memory<float> memory = data;
            foreach (Parameter p in layout.Entries)
            {
                p.Bind(memory);
            }
        }
    }

    public ParameterLayout Layout { get; }

    public float[] Data { get; }

    /// <summary>
    /// A zeroed buffer for the layout. With <paramref name="bind"/> (the values store) every
    /// <see cref="Parameter.Value"/> becomes a view into it; without (e.g. a gradient buffer of the same layout)
    /// its tensors are reached through <see cref="View"/>.
    /// </summary>
    public static ParameterStore Allocate(ParameterLayout layout, bool bind = true)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Count > Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"{layout.Count} floats do not fit one .NET array (at most {Array.MaxLength}).");
        }

        return new ParameterStore(layout, new float[layout.Count], bind);
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

    /// <summary>This store's tensor for an entry of its layout.</summary>
    public Tensor View(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!Layout.TryGet(parameter.Name, out Parameter own) || !ReferenceEquals(own, parameter))
        {
            throw new ArgumentException($"parameter '{parameter.Name}' belongs to another layout.", nameof(parameter));
        }

        return new Tensor(Data.AsMemory(checked((int)parameter.Offset), parameter.Length), parameter.Shape.ToArray());
    }

    public Tensor this[string name]
        => Layout.TryGet(name, out Parameter p) ? View(p) : throw new KeyNotFoundException($"no parameter named '{name}'.");
}
