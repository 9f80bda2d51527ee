namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// The memory a forward or backward pass runs in: the base of a pinned or native buffer of at least a layout's
/// <see cref="WorkspaceLayout.Count"/> floats, handing out the spans of its slices.
/// </summary>
internal readonly unsafe ref struct WorkspaceArena
{
    private readonly float* _base;
    private readonly long _length;

    public WorkspaceArena(float* @base, long length)
    {
        _base = @base;
        _length = length;
    }

    public Span<float> this[WorkspaceSlice slice]
    {
        get
        {
            if ((ulong)(slice.Offset + slice.Length) > (ulong)_length)
            {
                throw new InvalidOperationException(
                    $"the workspace slice [{slice.Offset}, {slice.Offset + slice.Length}) lies outside its {_length} floats.");
            }

            return new Span<float>(_base + slice.Offset, slice.Length);
        }
    }
}
