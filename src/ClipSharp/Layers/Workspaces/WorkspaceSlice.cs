namespace ClipSharp.Layers.Workspaces;

/// <summary>A region of a workspace: where it starts and how many floats it holds.</summary>
internal readonly record struct WorkspaceSlice(long Offset, int Length)
{
    /// <summary>The same region moved by <paramref name="floats"/>: the slice of the next layer of a stack.</summary>
    public WorkspaceSlice Shift(long floats) => this with { Offset = Offset + floats };

    /// <summary>
    /// This region of a buffer laid out by a second layout (the batch norms' double statistics); empty when the
    /// buffer is, as at inference, where batch norm reads none.
    /// </summary>
    public Span<double> Of(Span<double> buffer) => buffer.IsEmpty ? default : buffer.Slice(checked((int)Offset), Length);
}
