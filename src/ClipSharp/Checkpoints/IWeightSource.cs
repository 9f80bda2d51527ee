using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>A file of named tensors, whatever its container.</summary>
internal interface IWeightSource : IDisposable
{
    string Path { get; }

    CheckpointFormat Format { get; }

    /// <summary>Names in file order.</summary>
    IEnumerable<string> Names { get; }

    IReadOnlyDictionary<string, string> Metadata { get; }

    int[] Shape(string name);

    SafeTensorsDType DType(string name);

    /// <summary>A floating-point tensor as a float32 copy.</summary>
    Tensor ReadTensor(string name);

    /// <summary>A floating-point tensor converted to float32 into <paramref name="destination"/> (exactly its size).</summary>
    void ReadInto(string name, Span<float> destination) => ReadTensor(name).Span.CopyTo(destination);

    /// <summary>A tensor's stored bytes (int8 weights are read this way), valid while the source is open.</summary>
    ReadOnlySpan<byte> RawBytes(string name)
        => throw new CheckpointFormatException($"{Path}: tensor '{name}' has dtype {DType(name)}; such tensors are read from safetensors files only.");
}
