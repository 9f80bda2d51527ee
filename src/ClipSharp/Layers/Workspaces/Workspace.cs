using System.Runtime.InteropServices;

namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// A tower's training workspace: one native float buffer that a forward pass lays its activations out in, grown to
/// the largest shape asked for and then reused, so steady-state training steps allocate nothing. Native memory
/// because a training batch's activations can exceed what one managed array holds. It records which forward filled
/// it, so a backward pass can refuse activations that are not its own.
/// </summary>
internal sealed unsafe class Workspace : IDisposable
{
    private float* _floats;
    private long _capacity;
    private int[] _ids = [];
    private double[] _statistics = [];
    private bool _disposed;

    ~Workspace() => Free();

    /// <summary>The tower whose forward pass (with <see cref="ForwardPass.Keep"/>) last filled the workspace.</summary>
    public object? Producer { get; private set; }

    /// <summary>That pass's batch size.</summary>
    public int Batch { get; private set; }

    /// <summary>That pass's sequence length (the text tower's positions run; 0 for images).</summary>
    public int Length { get; private set; }

    /// <summary>The floats held now.</summary>
    public long Capacity => _capacity;

    /// <summary>An arena of at least <paramref name="floats"/>, its contents kept when it is already that large.</summary>
    public WorkspaceArena Arena(long floats)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (floats > _capacity)
        {
            Free();
            _floats = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, floats) * sizeof(float)), 64);
            _capacity = floats;
            GC.AddMemoryPressure(floats * sizeof(float));
        }

        return new WorkspaceArena(_floats, _capacity);
    }

    /// <summary>A reusable int buffer of at least <paramref name="count"/> (the text tower keeps its token ids).</summary>
    public Span<int> Ids(int count)
    {
        if (_ids.Length < count)
        {
            _ids = new int[count];
        }

        return _ids.AsSpan(0, count);
    }

    /// <summary>A reusable double buffer of at least <paramref name="count"/> (batch norms keep their batch statistics).</summary>
    public Span<double> Statistics(long count)
    {
        if (_statistics.Length < count)
        {
            _statistics = new double[count];
        }

        return _statistics.AsSpan(0, (int)count);
    }

    public void Record(object producer, int batch, int length)
    {
        Producer = producer;
        Batch = batch;
        Length = length;
    }

    public void Forget() => Producer = null;

    /// <summary>Throws unless the last kept forward pass was <paramref name="tower"/>'s.</summary>
    public void RequireFrom(object tower, string towerName)
    {
        if (!ReferenceEquals(Producer, tower))
        {
            throw new InvalidOperationException(
                $"the workspace holds no activations of this {towerName}: run its forward pass with ForwardPass.Keep on this workspace before its backward pass.");
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_floats is not null)
        {
            NativeMemory.AlignedFree(_floats);
            GC.RemoveMemoryPressure(_capacity * sizeof(float));
            _floats = null;
            _capacity = 0;
        }
    }
}
