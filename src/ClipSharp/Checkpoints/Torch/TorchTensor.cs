using System.Buffers.Binary;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints.Torch;

/// <summary>
/// A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a view (offset, sizes, strides, in elements)
/// into a storage. Shapes, strides and the view's reach are validated when it is built; values are gathered into
/// a C-order array when asked for.
/// </summary>
public sealed class TorchTensor
{
    internal TorchTensor(TorchStorage storage, long offset, int[] shape, long[] stride, string source)
    {
        if (shape.Length != stride.Length)
        {
            throw new CheckpointFormatException($"{source}: a tensor has {shape.Length} sizes but {stride.Length} strides.");
        }

        long count = 1;
        Int128 reach = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            if (stride[d] < 0)
            {
                throw new CheckpointFormatException($"{source}: a tensor has a negative stride {stride[d]}.");
            }

            count = checked(count * shape[d]);
            reach += (Int128)(shape[d] - 1) * stride[d];
        }

        if (count > Array.MaxLength)
        {
            throw new CheckpointFormatException($"{source}: a tensor of shape [{string.Join(", ", shape)}] has more elements than one array holds.");
        }

        // Zero strides could make a view of a few stored bytes ask for gigabytes; state dicts never hold such views.
        if (count > storage.ElementCount)
        {
            throw new CheckpointFormatException(
                $"{source}: a tensor of shape [{string.Join(", ", shape)}] has more elements than its storage '{storage.Key}' ({storage.ElementCount}).");
        }

        if (offset < 0 || (count > 0 && reach >= storage.ElementCount))
        {
            throw new CheckpointFormatException(
                $"{source}: a tensor of shape [{string.Join(", ", shape)}] at offset {offset} reaches past its storage '{storage.Key}' of {storage.ElementCount} elements.");
        }

        Storage = storage;
        Offset = offset;
        Shape = shape;
        Stride = stride;
        ElementCount = (int)count;
    }

    public TorchStorage Storage { get; }

    public long Offset { get; }

    public int[] Shape { get; }

    public long[] Stride { get; }

    public int ElementCount { get; }

    public TorchDType DType => Storage.DType;

    /// <summary>The values as float32 in C order (Half, BFloat16 and Double converted; integers cast).</summary>
    public float[] ToFloat32()
    {
        ReadOnlySpan<byte> bytes = Storage.Bytes;
        var result = new float[ElementCount];
        var cursor = new ViewCursor(this);
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = ReadAsFloat(bytes, cursor.Next(), DType);
        }

        return result;
    }

    /// <summary>The values as int64 in C order; only for integer storages.</summary>
    public long[] ToInt64()
    {
        if (DType.IsFloatingPoint())
        {
            throw new CheckpointFormatException($"a tensor over storage '{Storage.Key}' holds {DType}, not integers.");
        }

        ReadOnlySpan<byte> bytes = Storage.Bytes;
        var result = new long[ElementCount];
        var cursor = new ViewCursor(this);
        for (int i = 0; i < result.Length; i++)
        {
            long at = cursor.Next();
            result[i] = DType == TorchDType.Long
                ? BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice((int)(at * 8), 8))
                : BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice((int)(at * 4), 4));
        }

        return result;
    }

    public Tensor ToTensor() => new(ToFloat32(), Shape);

    /// <summary>Yields the storage index of each element of the view in C order.</summary>
    private struct ViewCursor(TorchTensor tensor)
    {
        private readonly int[] _counter = new int[tensor.Shape.Length];
        private long _at = tensor.Offset;
        private bool _started;

        public long Next()
        {
            if (!_started)
            {
                _started = true;
                return _at;
            }

            int[] shape = tensor.Shape;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++_counter[d] < shape[d])
                {
                    _at += tensor.Stride[d];
                    return _at;
                }

                _at -= (long)(shape[d] - 1) * tensor.Stride[d];
                _counter[d] = 0;
            }

            return _at;
        }
    }

    private static float ReadAsFloat(ReadOnlySpan<byte> bytes, long at, TorchDType dtype) => dtype switch
    {
        TorchDType.Float => BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice((int)(at * 4), 4)),
        TorchDType.Half => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice((int)(at * 2), 2)),
        TorchDType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice((int)(at * 2), 2)) << 16),
        TorchDType.Double => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice((int)(at * 8), 8)),
        TorchDType.Long => BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice((int)(at * 8), 8)),
        _ => BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice((int)(at * 4), 4)),
    };
}
