namespace ClipSharp.Tensors;

/// <summary>
/// A float32 tensor: a shape over contiguous row-major memory. The memory may be a managed array,
/// a slice of a larger buffer (a view), or native memory owned by someone else (a memory-mapped
/// checkpoint). Views share storage; nothing here copies implicitly.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    public Tensor(Memory<float> memory, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = ElementCount(shape);
        if (count != memory.Length)
        {
            throw new ArgumentException(
                $"shape [{string.Join(", ", shape)}] holds {count} elements but the memory holds {memory.Length}.",
                nameof(shape));
        }

        _shape = (int[])shape.Clone();
        Memory = memory;
    }

    public Memory<float> Memory { get; }

    public Span<float> Span => Memory.Span;

    public ReadOnlySpan<int> Shape => _shape;

    public int Rank => _shape.Length;

    public int Length => Memory.Length;

    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    public static Tensor Zeros(params int[] shape) => new(new float[ElementCount(shape)], shape);

    public static Tensor FromArray(float[] data, params int[] shape) => new(data, shape);

    /// <summary>A view with another shape over the same elements.</summary>
    public Tensor Reshape(params int[] shape) => new(Memory, shape);

    /// <summary>A view of rows [start, start + count) along the first axis.</summary>
    public Tensor Slice(int start, int count)
    {
        if (Rank == 0)
        {
            throw new InvalidOperationException("A scalar tensor has no first axis to slice.");
        }

        int rowSize = Length / Math.Max(1, _shape[0]);
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        return new Tensor(Memory.Slice(start * rowSize, count * rowSize), shape);
    }

    public float[] ToArray() => Memory.ToArray();

    public string ShapeString => $"[{string.Join(", ", _shape)}]";

    public override string ToString() => $"Tensor{ShapeString}";

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension {d} in shape.", nameof(shape));
            }

            count *= d;
        }

        return count;
    }
}
