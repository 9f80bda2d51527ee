using System.Numerics;

namespace ClipSharp.Checkpoints.Torch;

/// <summary>A pickled tuple: an immutable sequence of values.</summary>
public sealed record PickleTuple(IReadOnlyList<object?> Items);

/// <summary>A pickled list.</summary>
public sealed class PickleList(List<object?> items)
{
    public List<object?> Items { get; } = items;
}

/// <summary>
/// A pickled dict or <c>collections.OrderedDict</c>, keys in insertion order. <see cref="State"/> is what a BUILD
/// opcode attached (torch puts the per-module <c>_metadata</c> there).
/// </summary>
public sealed class PickleDict
{
    private readonly Dictionary<object, int> _index = [];

    public List<KeyValuePair<object?, object?>> Entries { get; } = [];

    public object? State { get; set; }

    public void Set(object? key, object? value)
    {
        if (key is null || key is PickleList or PickleDict or PickleObject)
        {
            throw new CheckpointFormatException($"a dict key of type {PickleReader.Describe(key)} is not hashable.");
        }

        if (_index.TryGetValue(key, out int at))
        {
            Entries[at] = new(key, value);
        }
        else
        {
            _index.Add(key, Entries.Count);
            Entries.Add(new(key, value));
        }
    }

    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            value = Entries[at].Value;
            return true;
        }

        value = null;
        return false;
    }
}

/// <summary>
/// An instance of a TorchScript module class (<c>__torch__.*</c>), kept as its class name and the attribute dict
/// BUILD gave it. Nothing of the class is ever run.
/// </summary>
public sealed class PickleObject(string className)
{
    public string ClassName { get; } = className;

    public PickleDict? Attributes { get; set; }
}

/// <summary>A global the reader allowed; only its identity is kept.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>Helpers for the numeric values a pickle holds (small ints as long, big ones as BigInteger).</summary>
internal static class PickleNumbers
{
    public static bool TryInt64(object? value, out long result)
    {
        switch (value)
        {
            case long l:
                result = l;
                return true;
            case bool b:
                result = b ? 1 : 0;
                return true;
            case BigInteger big when big >= long.MinValue && big <= long.MaxValue:
                result = (long)big;
                return true;
            default:
                result = 0;
                return false;
        }
    }
}
