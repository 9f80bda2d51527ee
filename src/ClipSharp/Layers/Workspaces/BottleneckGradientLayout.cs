namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// The scratch a stack of <see cref="Bottleneck"/>s' backward passes share, each slice as large as the largest block
/// needs (the blocks run their backward passes one after another).
/// </summary>
internal readonly struct BottleneckGradientLayout
{
    public BottleneckGradientLayout(ref WorkspaceLayout layout, long conv3, long pooled, long relu)
    {
        Conv3 = layout.Add(conv3);
        Pooled = layout.Add(pooled);
        Relu2 = layout.Add(relu);
        Relu1 = layout.Add(relu);
    }

    /// <summary>The gradient of conv3's output (and then of the downsampling conv's): [B, 4·planes, H/s, W/s].</summary>
    public WorkspaceSlice Conv3 { get; }

    /// <summary>The gradient of the pooled maps, conv3's and the shortcut conv's inputs at H/s × W/s.</summary>
    public WorkspaceSlice Pooled { get; }

    /// <summary>The gradient of relu2 (bn2's, in place): [B, planes, H, W].</summary>
    public WorkspaceSlice Relu2 { get; }

    /// <summary>The gradient of relu1 (bn1's, in place), and then of the shortcut at H × W.</summary>
    public WorkspaceSlice Relu1 { get; }
}
