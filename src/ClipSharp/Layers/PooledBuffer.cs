using System.Buffers;

namespace ClipSharp.Layers;

/// <summary>
/// A float buffer rented from the shared array pool for the length of one call; Dispose returns it. Inference
/// intermediates live in these, so a steady-state forward pass allocates nothing and two threads running the same
/// model never share scratch. The contents start undefined: every user overwrites the whole span before reading it.
/// </summary>
internal readonly ref struct PooledBuffer
{
    private readonly float[] _array;

    public PooledBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = ArrayPool<float>.Shared.Rent(length);
        Length = length;
    }

    public int Length { get; }

    public Span<float> Span => _array.AsSpan(0, Length);

    public void Dispose() => ArrayPool<float>.Shared.Return(_array);
}
