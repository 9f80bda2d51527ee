using System.Buffers;

namespace ClipSharp.Checkpoints;

/// <summary>
/// float32 elements that live in a mapped safetensors file. The owner check makes a Memory taken after
/// the file was closed fail loudly; a Span obtained before the close must not outlive it.
/// </summary>
internal sealed unsafe class MappedFloatMemory : MemoryManager<float>
{
    private readonly SafeTensorsFile _owner;
    private readonly float* _pointer;
    private readonly int _length;

    public MappedFloatMemory(SafeTensorsFile owner, float* pointer, int length)
    {
        _owner = owner;
        _pointer = pointer;
        _length = length;
    }

    public override Span<float> GetSpan()
    {
        _owner.ThrowIfDisposed();
        return new Span<float>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        _owner.ThrowIfDisposed();
        if ((uint)elementIndex > (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(elementIndex));
        }

        // Mapped pages never move, so pinning needs no GC handle.
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
