namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// The slices a <see cref="Transformer"/> runs in: the residual stream and its blocks' slices. Kept, the stream has
/// one slice per block boundary (block i reads stream i and writes stream i + 1, which the backward pass reads back)
/// and every block has slices of its own, plus the backward's shared scratch and the stream's gradient. Otherwise
/// there is one stream slice, updated in place, and one set of block slices that every block reuses.
/// </summary>
internal readonly struct TransformerLayout
{
    public TransformerLayout(ref WorkspaceLayout layout, int layers, int batch, int tokens, int width, int heads, int hidden, bool keep)
    {
        long rows = (long)batch * tokens;
        Rows = rows * width;
        Layers = layers;
        Keep = keep;
        WorkspaceSlice first = layout.Add(Rows);
        StreamStride = keep ? layout.Count - first.Offset : 0;
        if (keep)
        {
            layout.Skip(StreamStride * layers);
        }

        Stream0 = first;
        Block = new BlockLayout(ref layout, batch, tokens, width, heads, hidden, keep);
        if (keep)
        {
            layout.Skip(Block.Size * (layers - 1L));
            Gradients = new BlockGradientLayout(ref layout, rows, width, hidden);
            StreamGradient = layout.Add(Rows);
        }
    }

    public int Layers { get; }

    public bool Keep { get; }

    /// <summary>Floats in one [N, W] activation.</summary>
    public long Rows { get; }

    private BlockLayout Block { get; }

    /// <summary>The backward pass's shared scratch (kept layouts only).</summary>
    public BlockGradientLayout Gradients { get; }

    /// <summary>The gradient of the residual stream, carried down through the blocks in place (kept layouts only).</summary>
    public WorkspaceSlice StreamGradient { get; }

    private WorkspaceSlice Stream0 { get; }

    private long StreamStride { get; }

    /// <summary>The slices of block <paramref name="index"/>: its own when kept, otherwise the one set all blocks reuse.</summary>
    public BlockLayout BlockAt(int index) => Keep ? Block.At(index) : Block;

    /// <summary>The stream entering block <paramref name="index"/>; <c>Stream(Layers)</c> is the stack's output.</summary>
    public WorkspaceSlice Stream(int index) => Stream0.Shift(index * StreamStride);
}
