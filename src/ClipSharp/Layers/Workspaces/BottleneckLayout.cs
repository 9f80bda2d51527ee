namespace ClipSharp.Layers.Workspaces;

/// <summary>
/// The slices one <see cref="Bottleneck"/> writes for B maps of H×W (its input and output are the caller's), and
/// its batch norms' statistics in a second layout of doubles. Kept, every activation its backward pass reads has a
/// slice of its own; otherwise each batch norm and ReLU runs in place and conv3 writes straight into the output.
/// </summary>
internal readonly struct BottleneckLayout
{
    public BottleneckLayout(
        ref WorkspaceLayout layout, ref WorkspaceLayout statistics, Bottleneck block, int batch, int size,
        WorkspaceSlice input, WorkspaceSlice output, bool keep)
    {
        long hw = (long)size * size;
        int o = block.OutputSize(size);
        long ohw = (long)o * o;
        Size = size;
        Input = input;
        Output = output;
        Conv1 = layout.Add(batch * block.Planes * hw);
        Relu1 = keep ? layout.Add(batch * block.Planes * hw) : Conv1;
        Conv2 = layout.Add(batch * block.Planes * hw);
        Relu2 = keep ? layout.Add(batch * block.Planes * hw) : Conv2;
        Pooled = block.Stride > 1 ? layout.Add(batch * block.Planes * ohw) : Relu2;
        Conv3 = keep ? layout.Add(batch * block.OutChannels * ohw) : output;
        if (block.DownsampleConv is not null)
        {
            ShortcutInput = block.Stride > 1 ? layout.Add(batch * block.Inplanes * ohw) : input;
            Identity = layout.Add(batch * block.OutChannels * ohw);
            Shortcut = keep ? layout.Add(batch * block.OutChannels * ohw) : Identity;
            DownsampleStatistics = statistics.Add(block.DownsampleBn!.StatisticsLength);
        }

        Bn1Statistics = statistics.Add(block.Bn1.StatisticsLength);
        Bn2Statistics = statistics.Add(block.Bn2.StatisticsLength);
        Bn3Statistics = statistics.Add(block.Bn3.StatisticsLength);
    }

    /// <summary>The side H = W of the block's input maps.</summary>
    public int Size { get; }

    /// <summary>The block's input: [B, inplanes, H, W].</summary>
    public WorkspaceSlice Input { get; }

    /// <summary>Its output after the final ReLU: [B, 4·planes, H/s, W/s].</summary>
    public WorkspaceSlice Output { get; }

    /// <summary>conv1's output, bn1's input: [B, planes, H, W].</summary>
    public WorkspaceSlice Conv1 { get; }

    /// <summary>relu(bn1(·)), conv2's input and its own ReLU mask.</summary>
    public WorkspaceSlice Relu1 { get; }

    public WorkspaceSlice Conv2 { get; }

    public WorkspaceSlice Relu2 { get; }

    /// <summary>The average pool of relu2 when the block strides (conv3's input): [B, planes, H/s, W/s].</summary>
    public WorkspaceSlice Pooled { get; }

    /// <summary>conv3's output, bn3's input: [B, 4·planes, H/s, W/s].</summary>
    public WorkspaceSlice Conv3 { get; }

    /// <summary>The downsampling conv's input (the pooled input when the block strides).</summary>
    public WorkspaceSlice ShortcutInput { get; }

    /// <summary>The downsampling conv's output, its batch norm's input.</summary>
    public WorkspaceSlice Identity { get; }

    /// <summary>The downsampling batch norm's output, added to the main branch.</summary>
    public WorkspaceSlice Shortcut { get; }

    public WorkspaceSlice Bn1Statistics { get; }

    public WorkspaceSlice Bn2Statistics { get; }

    public WorkspaceSlice Bn3Statistics { get; }

    public WorkspaceSlice DownsampleStatistics { get; }
}
