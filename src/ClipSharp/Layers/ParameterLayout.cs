namespace ClipSharp.Layers;

/// <summary>
/// Assigns every named tensor an offset in one flat float buffer, in declaration order. Building a model against a
/// layout allocates nothing, so the size of any architecture can be counted before (or instead of) allocating it.
/// </summary>
public sealed class ParameterLayout
{
    private readonly List<Parameter> _entries = [];
    private readonly Dictionary<string, Parameter> _byName = new(StringComparer.Ordinal);

    public IReadOnlyList<Parameter> Entries => _entries;

    /// <summary>Total number of floats.</summary>
    public long Count { get; private set; }

    public Parameter Add(string name, int[] shape, ParameterInit init = ParameterInit.Zeros, float initValue = 0f)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (_byName.ContainsKey(name))
        {
            throw new InvalidOperationException($"parameter '{name}' is declared twice.");
        }

        var p = new Parameter(name, (int[])shape.Clone(), Count, init, initValue);
        _entries.Add(p);
        _byName.Add(name, p);
        Count += p.Length;
        return p;
    }

    public bool TryGet(string name, out Parameter parameter) => _byName.TryGetValue(name, out parameter!);
}
