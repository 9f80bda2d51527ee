namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// Lays slices out one after another from the shapes of a forward pass, as <see cref="ParameterLayout"/> lays out
/// parameters. A struct, so laying out a pass allocates nothing; its <see cref="Count"/> is the workspace size.
/// </summary>
internal struct WorkspaceLayout
{
    // Every slice starts on a 64-byte line, so vector loads of a row start aligned and no two slices share a line
    // that two threads could write.
    private const int Alignment = 16;

    /// <summary>Floats laid out so far.</summary>
    public long Count { get; private set; }

    public WorkspaceSlice Add(long length)
    {
        if (length < 0 || length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(length), length, $"one activation of {length} floats is beyond what a span can address; use a smaller batch.");
        }

        var slice = new WorkspaceSlice(Count, (int)length);
        Count += (length + Alignment - 1) / Alignment * Alignment;
        return slice;
    }

    /// <summary>Reserves <paramref name="floats"/> more without naming them: the copies of a repeated layer's slices.</summary>
    public void Skip(long floats) => Count += floats;
}
