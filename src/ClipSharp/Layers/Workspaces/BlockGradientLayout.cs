namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// The scratch a <see cref="ResidualAttentionBlock"/>'s backward pass writes for N rows of width W. The blocks run
/// their backward passes one after another, so a stack shares one set.
/// </summary>
internal readonly struct BlockGradientLayout
{
    public BlockGradientLayout(ref WorkspaceLayout layout, long rows, int width, int hidden)
    {
        Normed = layout.Add(rows * width);
        Branch = layout.Add(rows * width);
        Attended = layout.Add(rows * width);
        Qkv = layout.Add(rows * 3 * width);
        Hidden = layout.Add(rows * hidden);
    }

    /// <summary>The gradient of a layer norm's output: [N, W].</summary>
    public WorkspaceSlice Normed { get; }

    /// <summary>The gradient a branch sends back into the residual stream: [N, W].</summary>
    public WorkspaceSlice Branch { get; }

    /// <summary>The gradient of out_proj's input: [N, W].</summary>
    public WorkspaceSlice Attended { get; }

    /// <summary>The gradient of q, k and v: [N, 3W].</summary>
    public WorkspaceSlice Qkv { get; }

    /// <summary>The gradient of the MLP's hidden layer, before and then through the activation: [N, 4W].</summary>
    public WorkspaceSlice Hidden { get; }
}
