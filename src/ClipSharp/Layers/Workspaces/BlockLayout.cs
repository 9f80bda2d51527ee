namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// The slices one <see cref="ResidualAttentionBlock"/> writes for B sequences of T tokens of width W (N = B·T rows).
/// Kept, each is its own, for the backward pass; otherwise ln_2 reuses ln_1's slice, the MLP's activation runs in
/// place on its hidden layer and no probabilities are written.
/// </summary>
internal readonly struct BlockLayout
{
    public BlockLayout(ref WorkspaceLayout layout, int batch, int tokens, int width, int heads, int hidden, bool keep)
    {
        long rows = (long)batch * tokens;
        long start = layout.Count;
        Ln1 = layout.Add(rows * width);
        Qkv = layout.Add(rows * 3 * width);
        Probabilities = keep ? layout.Add((long)batch * heads * tokens * tokens) : default;
        Attended = layout.Add(rows * width);
        Middle = layout.Add(rows * width);
        Ln2 = keep ? layout.Add(rows * width) : Ln1;
        Hidden = layout.Add(rows * hidden);
        Activated = keep ? layout.Add(rows * hidden) : Hidden;
        Size = layout.Count - start;
    }

    private BlockLayout(in BlockLayout first, long shift)
    {
        Ln1 = first.Ln1.Shift(shift);
        Qkv = first.Qkv.Shift(shift);
        Probabilities = first.Probabilities.Length == 0 ? default : first.Probabilities.Shift(shift);
        Attended = first.Attended.Shift(shift);
        Middle = first.Middle.Shift(shift);
        Ln2 = first.Ln2.Shift(shift);
        Hidden = first.Hidden.Shift(shift);
        Activated = first.Activated.Shift(shift);
        Size = first.Size;
    }

    /// <summary>ln_1(x): [N, W].</summary>
    public WorkspaceSlice Ln1 { get; }

    /// <summary>in_proj's q, k, v of every token: [N, 3W].</summary>
    public WorkspaceSlice Qkv { get; }

    /// <summary>softmax(q·kᵀ/√d): [B, heads, T, T]; empty unless kept.</summary>
    public WorkspaceSlice Probabilities { get; }

    /// <summary>The heads' weighted values, out_proj's input: [N, W].</summary>
    public WorkspaceSlice Attended { get; }

    /// <summary>x + attn(ln_1(x)), the residual stream between the two branches: [N, W].</summary>
    public WorkspaceSlice Middle { get; }

    /// <summary>ln_2(middle): [N, W].</summary>
    public WorkspaceSlice Ln2 { get; }

    /// <summary>c_fc's output: [N, 4W].</summary>
    public WorkspaceSlice Hidden { get; }

    /// <summary>The activation of it, c_proj's input: [N, 4W].</summary>
    public WorkspaceSlice Activated { get; }

    /// <summary>Floats the block's slices take.</summary>
    public long Size { get; }

    /// <summary>The layout of the block <paramref name="index"/> places further up a stack laid out block after block.</summary>
    public BlockLayout At(int index) => index == 0 || Size == 0 ? this : new BlockLayout(this, index * Size);
}
