using ClipSharp.Tensors;

namespace ClipSharp.Layers;

/// <summary>The one contiguous float buffer behind a <see cref="ParameterLayout"/>; binds every entry to its view.</summary>
public sealed class ParameterStore
{
    // Offsets of a store that leaves some entries out; null when the store follows the layout's offsets.
    private readonly Dictionary<Parameter, long>? _offsets;

    private ParameterStore(ParameterLayout layout, float[] data, bool bind, Dictionary<Parameter, long>? offsets = null)
    {
        Layout = layout;
        Data = data;
        _offsets = offsets;
        if (bind)
        {
            Memory<float> memory = data;
            foreach (Parameter p in layout.Entries)
            {
                if (offsets is null)
                {
                    p.Bind(memory);
                }
                else if (offsets.TryGetValue(p, out long offset))
                {
                    p.Bind(memory, offset);
                }
            }
        }
    }

    /// <summary>False when some entries have no float32 storage here (the packed weights of an inference model).</summary>
    public bool HoldsEveryEntry => _offsets is null;

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

    /// <summary>
    /// A zeroed, bound buffer for every entry except <paramref name="without"/> (weights an inference model keeps
    /// packed in the GEMM's layout): those get no float32 storage here at all.
    /// </summary>
    public static ParameterStore Allocate(ParameterLayout layout, IReadOnlySet<string> without)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(without);
        if (without.Count == 0)
        {
            return Allocate(layout);
        }

        return Subset(layout, layout.Entries.Where(p => !without.Contains(p.Name)), bind: true);
    }

    /// <summary>
    /// A zeroed, unbound buffer for <paramref name="entries"/> of the layout only, e.g. the gradients of one layer
    /// whose backward pass runs alone: reaching any other entry through it is an error.
    /// </summary>
    internal static ParameterStore AllocateFor(ParameterLayout layout, IEnumerable<Parameter> entries)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(entries);
        return Subset(layout, entries, bind: false);
    }

    // A buffer holding only entries, packed one after another in the order given.
    private static ParameterStore Subset(ParameterLayout layout, IEnumerable<Parameter> entries, bool bind)
    {
        var offsets = new Dictionary<Parameter, long>();
        long count = 0;
        foreach (Parameter p in entries)
        {
            if (!layout.TryGet(p.Name, out Parameter own) || !ReferenceEquals(own, p))
            {
                throw new ArgumentException($"parameter '{p.Name}' belongs to another layout.", nameof(entries));
            }

            if (offsets.TryAdd(p, count))
            {
                count += p.Length;
            }
        }

        if (count > Array.MaxLength)
        {
            throw new InvalidOperationException($"{count} floats do not fit one .NET array (at most {Array.MaxLength}).");
        }

        return new ParameterStore(layout, new float[count], bind, offsets);
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
        => new(Data.AsMemory(checked((int)Offset(parameter)), parameter.Length), parameter.Shape.ToArray());

    /// <summary>This store's values of an entry of its layout, as a span: what the backward passes accumulate into, with no allocation.</summary>
    public Span<float> SpanOf(Parameter parameter) => Data.AsSpan(checked((int)Offset(parameter)), parameter.Length);

    private long Offset(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!Layout.TryGet(parameter.Name, out Parameter own) || !ReferenceEquals(own, parameter))
        {
            throw new ArgumentException($"parameter '{parameter.Name}' belongs to another layout.", nameof(parameter));
        }

        long offset = parameter.Offset;
        if (_offsets is not null && !_offsets.TryGetValue(parameter, out offset))
        {
            throw new InvalidOperationException($"parameter '{parameter.Name}' has no float32 storage in this store (it is held packed, or the store holds only some entries).");
        }

        return offset;
    }

    public Tensor this[string name]
        => Layout.TryGet(name, out Parameter p) ? View(p) : throw new KeyNotFoundException($"no parameter named '{name}'.");
}
