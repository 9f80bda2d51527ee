using ClipSharp.Layers;
using ClipSharp.Layers.Workspaces;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using Conv2d = ClipSharp.Layers.Conv2d;

namespace ClipSharp.Models;

/// <summary>
/// CLIP's ResNet: a three-conv stem (the first strided) with a 2×2 average pool, four stages of
/// <see cref="Bottleneck"/>s (strides 1, 2, 2, 2), and an <see cref="AttentionPool2d"/> head instead of global pooling.
/// </summary>
public sealed class ModifiedResNet : IImageEncoder
{
    private static readonly string[] s_layerNames = ["visual.layer1.out", "visual.layer2.out", "visual.layer3.out", "visual.layer4.out"];

    private readonly Bottleneck[] _blocks;

    internal ModifiedResNet(
        ParameterScope scope, IReadOnlyList<int> layers, int outputDim, int heads, int inputResolution, int width)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count != 4)
        {
            throw new ArgumentException($"a ModifiedResNet has 4 stages, got {layers.Count} stage depths.", nameof(layers));
        }

        if (width < 2 || width % 2 != 0)
        {
            throw new ArgumentException($"the ResNet width must be even and at least 2, got {width}.", nameof(width));
        }

        ImageResolution = inputResolution;
        Width = width;
        OutputDim = outputDim;

        int half = width / 2;
        Conv1 = new Conv2d(scope.Child("conv1"), 3, half, 3, stride: 2, padding: 1);
        Bn1 = new BatchNorm2d(scope.Child("bn1"), half);
        Conv2 = new Conv2d(scope.Child("conv2"), half, half, 3, padding: 1);
        Bn2 = new BatchNorm2d(scope.Child("bn2"), half);
        Conv3 = new Conv2d(scope.Child("conv3"), half, width, 3, padding: 1);
        Bn3 = new BatchNorm2d(scope.Child("bn3"), width);

        StemSize = AvgPool2d.OutputSize(Conv1.OutputSize(inputResolution), 2, 2);
        int size = StemSize;
        int inplanes = width;
        var stages = new Bottleneck[4][];
        for (int s = 0; s < 4; s++)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(layers[s], 1, $"{nameof(layers)}[{s}]");
            int planes = width << s;
            int stride = s == 0 ? 1 : 2;
            ParameterScope stage = scope.Child($"layer{s + 1}");
            stages[s] = new Bottleneck[layers[s]];
            for (int i = 0; i < layers[s]; i++)
            {
                var block = new Bottleneck(stage.Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), inplanes, planes, i == 0 ? stride : 1);
                size = block.OutputSize(size);
                inplanes = block.OutChannels;
                stages[s][i] = block;
            }
        }

        Stages = stages;
        FeatureSize = size;
        EmbedDim = width * 32;
        if (FeatureSize < 1 || FeatureSize != inputResolution / 32)
        {
            throw new ArgumentException(
                $"image resolution {inputResolution} gives a {FeatureSize}x{FeatureSize} final feature map; the attention pool expects resolution/32 = {inputResolution / 32} (use a multiple of 32).",
                nameof(inputResolution));
        }

        Attnpool = new AttentionPool2d(scope.Child("attnpool"), FeatureSize, EmbedDim, heads, outputDim);
        _blocks = [.. stages.SelectMany(stage => stage)];
    }

    public int ImageResolution { get; }

    public int Width { get; }

    public int OutputDim { get; }

    /// <summary>Channels entering the attention pool: 4 · (8 · width).</summary>
    public int EmbedDim { get; }

    /// <summary>Side of the stem's output (after its 2×2 average pool).</summary>
    public int StemSize { get; }

    /// <summary>Side of layer4's output, R/32.</summary>
    public int FeatureSize { get; }

    internal Conv2d Conv1 { get; }

    internal BatchNorm2d Bn1 { get; }

    internal Conv2d Conv2 { get; }

    internal BatchNorm2d Bn2 { get; }

    internal Conv2d Conv3 { get; }

    internal BatchNorm2d Bn3 { get; }

    /// <summary>layer1..layer4.</summary>
    internal IReadOnlyList<IReadOnlyList<Bottleneck>> Stages { get; }

    internal AttentionPool2d Attnpool { get; }

    // images: [B, 3, R, R] -> [B, E]
    public Tensor Forward(Tensor images, Action<string, Tensor>? observer = null)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        var features = new float[batch * OutputDim];
        Infer(images.Span, batch, features, observer);
        return new Tensor(features, batch, OutputDim);
    }

    // images: [B, 3, R, R] -> destination: [B, E]; the workspace is pooled, so a repeated call allocates nothing.
    public void Forward(Tensor images, Span<float> destination)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        Infer(images.Span, batch, destination, observer: null);
    }

    /// <summary>
    /// layer4's output in inference mode (batch norm with its running statistics), the map the attention pool reads:
    /// exactly what the embedding's forward pass computes up to there. images: [B, 3, R, R] -> map: [B, EmbedDim, S, S].
    /// </summary>
    internal void ForwardMap(ReadOnlySpan<float> images, int batch, Span<float> map)
    {
        ImageInput.Validate(images.Length, batch, ImageResolution);
        long needed = (long)batch * EmbedDim * FeatureSize * FeatureSize;
        if (map.Length != needed)
        {
            throw new ArgumentException(
                $"the map must hold batch x {EmbedDim} x {FeatureSize} x {FeatureSize} = {needed} floats, got {map.Length}.", nameof(map));
        }

        Infer(images, batch, map, observer: null, Head.None);
    }

    // What Infer writes after the trunk: the attention pool's embedding [B, E], its value path per position
    // [B, S², E], or no head at all, layer4's map [B, EmbedDim, S, S].
    private enum Head
    {
        Attention,
        Dense,
        None,
    }

    private unsafe void Infer(ReadOnlySpan<float> images, int batch, Span<float> destination, Action<string, Tensor>? observer, Head head = Head.Attention)
    {
        Span<BottleneckLayout> blocks = stackalloc BottleneckLayout[_blocks.Length];
        var layout = new WorkspaceLayout();
        var statistics = new WorkspaceLayout();
        var l = new Layout(ref layout, ref statistics, this, batch, keep: false, blocks);
        using var buffer = new PooledBuffer(checked((int)layout.Count));
        fixed (float* arena = buffer.Span)
        {
            var ws = new WorkspaceArena(arena, layout.Count);
            if (head == Head.Attention)
            {
                Run(images, batch, destination, ws, default, in l, blocks, ForwardPass.Inference, observer);
                return;
            }

            Trunk(images, batch, ws, default, in l, blocks, ForwardPass.Inference, observer);
            if (head == Head.Dense)
            {
                Attnpool.ForwardDense(ws[blocks[^1].Output], destination, batch, ws[l.Sequence], ws[l.Values]);
            }
            else
            {
                ws[blocks[^1].Output].CopyTo(destination);
            }
        }
    }

    void IImageEncoder.Forward(ReadOnlySpan<float> images, int batch, Span<float> destination, Workspace workspace, ForwardPass pass)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ImageInput.Validate(images.Length, batch, ImageResolution);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        bool keep = pass == ForwardPass.Keep;
        Span<BottleneckLayout> blocks = stackalloc BottleneckLayout[_blocks.Length];
        var layout = new WorkspaceLayout();
        var statistics = new WorkspaceLayout();
        var l = new Layout(ref layout, ref statistics, this, batch, keep, blocks);
        WorkspaceArena ws = workspace.Arena(layout.Count);
        workspace.Forget();
        if (keep)
        {
            images.CopyTo(ws[l.Images]);
        }

        Span<double> stats = pass == ForwardPass.Inference ? default : workspace.Statistics(statistics.Count);
        Run(images, batch, destination, ws, stats, in l, blocks, pass, observer: null);
        if (keep)
        {
            workspace.Record(this, batch, 0);
        }
    }

    /// <inheritdoc/>
    public int DenseGrid => FeatureSize;

    /// <summary>
    /// Dense features without training (MaskCLIP, Zhou et al., ECCV 2022): layer4's map goes through the attention
    /// pool's value path at every position, <c>dense_p = c_proj(v_proj(x_p + pos[1 + p]))</c> (see
    /// <see cref="AttentionPool2d.ForwardDense"/>), batch norm in eval mode.
    /// images: [B, 3, R, R] -> [B, (R/32)², E], positions in row-major order; not normalised.
    /// </summary>
    public Tensor ForwardDense(Tensor images)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        var features = new float[batch * FeatureSize * FeatureSize * OutputDim];
        Infer(images.Span, batch, features, observer: null, Head.Dense);
        return new Tensor(features, batch, FeatureSize * FeatureSize, OutputDim);
    }

    // images: [B, 3, R, R] -> destination: [B, E], every activation in the arena's slices; statistics: the batch norms'
    // batch statistics (train mode).
    private void Run(
        ReadOnlySpan<float> images, int batch, Span<float> destination, WorkspaceArena ws, Span<double> statistics,
        in Layout l, ReadOnlySpan<BottleneckLayout> blocks, ForwardPass pass, Action<string, Tensor>? observer)
    {
        Trunk(images, batch, ws, statistics, in l, blocks, pass, observer);
        Attnpool.Forward(
            ws[blocks[^1].Output], destination, batch, ws[l.Sequence], ws[l.Query], ws[l.Keys], ws[l.Values], ws[l.Probabilities], ws[l.Attended]);
    }

    // images: [B, 3, R, R] -> the last block's output slice: the stem and the four stages.
    private void Trunk(
        ReadOnlySpan<float> images, int batch, WorkspaceArena ws, Span<double> statistics,
        in Layout l, ReadOnlySpan<BottleneckLayout> blocks, ForwardPass pass, Action<string, Tensor>? observer)
    {
        int s1 = Conv1.OutputSize(ImageResolution);
        int plane = s1 * s1;

        Conv1.Forward(images, ws[l.Conv1], batch, ImageResolution, ImageResolution);
        Bn1.Forward(ws[l.Conv1], ws[l.Relu1], l.Bn1Statistics.Of(statistics), batch, plane, pass);
        Relu.Forward(ws[l.Relu1], ws[l.Relu1]);
        Conv2.Forward(ws[l.Relu1], ws[l.Conv2], batch, s1, s1);
        Bn2.Forward(ws[l.Conv2], ws[l.Relu2], l.Bn2Statistics.Of(statistics), batch, plane, pass);
        Relu.Forward(ws[l.Relu2], ws[l.Relu2]);
        Conv3.Forward(ws[l.Relu2], ws[l.Conv3], batch, s1, s1);
        Bn3.Forward(ws[l.Conv3], ws[l.Relu3], l.Bn3Statistics.Of(statistics), batch, plane, pass);
        Relu.Forward(ws[l.Relu3], ws[l.Relu3]);
        Span<float> x = ws[blocks[0].Input];
        AvgPool2d.Forward(ws[l.Relu3], x, batch, Width, s1, s1, 2, 2);
        Observation.Report(observer, "visual.stem.out", x, batch, Width, StemSize, StemSize);

        int size = StemSize;
        int k = 0;
        for (int s = 0; s < Stages.Count; s++)
        {
            // Indexed, not foreach: the stages are interface-typed lists, whose enumerators are boxed.
            IReadOnlyList<Bottleneck> stage = Stages[s];
            for (int i = 0; i < stage.Count; i++, k++)
            {
                stage[i].Forward(ws, statistics, blocks[k], batch, size, size, pass);
                size = stage[i].OutputSize(size);
            }

            Observation.Report(observer, s_layerNames[s], ws[blocks[k - 1].Output], batch, stage[^1].OutChannels, size, size);
        }
    }

    void IImageEncoder.Backward(Workspace workspace, ReadOnlySpan<float> dFeatures, ParameterStore grads, Span<float> dImages)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(grads);
        workspace.RequireFrom(this, "ResNet");
        int batch = workspace.Batch;
        FeatureDestination.Validate(dFeatures.Length, batch, OutputDim);
        if (!dImages.IsEmpty)
        {
            ImageInput.Validate(dImages.Length, batch, ImageResolution);
        }

        Span<BottleneckLayout> blocks = stackalloc BottleneckLayout[_blocks.Length];
        var layout = new WorkspaceLayout();
        var statistics = new WorkspaceLayout();
        var l = new Layout(ref layout, ref statistics, this, batch, keep: true, blocks);
        WorkspaceArena ws = workspace.Arena(layout.Count);
        Span<double> stats = workspace.Statistics(statistics.Count);

        // The stream's gradient moves down the blocks between two slices, each trimmed to the map it holds.
        int n = blocks.Length;
        Span<float> dx = StreamGradient(ws, l, n)[..blocks[n - 1].Output.Length];
        Attnpool.Backward(
            ws[l.Sequence], ws[l.Query], ws[l.Keys], ws[l.Values], ws[l.Probabilities], ws[l.Attended], dFeatures, dx, batch,
            ws[l.AttendedGradient], ws[l.QueryGradient], ws[l.KeysGradient], ws[l.ValuesGradient], ws[l.SequenceGradient], grads);

        int k = n;
        for (int s = Stages.Count - 1; s >= 0; s--)
        {
            IReadOnlyList<Bottleneck> stage = Stages[s];
            for (int i = stage.Count - 1; i >= 0; i--)
            {
                k--;
                Span<float> dIn = StreamGradient(ws, l, k)[..blocks[k].Input.Length];
                int size = blocks[k].Size;
                stage[i].Backward(ws, stats, blocks[k], l.BlockGradients, dx, dIn, batch, size, size, grads);
                dx = dIn;
            }
        }

        int s1 = Conv1.OutputSize(ImageResolution);
        int plane = s1 * s1;
        Span<float> d3 = ws[l.Stem3Gradient];
        AvgPool2dBackward.Backward(dx, d3, batch, Width, s1, s1, 2, 2);
        ReluBackward.Backward(ws[l.Relu3], d3, d3);
        Bn3.Backward(ws[l.Conv3], l.Bn3Statistics.Of(stats), d3, d3, batch, plane, grads);
        Span<float> d2 = ws[l.Stem2Gradient];
        Conv3.Backward(ws[l.Relu2], d3, d2, batch, s1, s1, grads);
        ReluBackward.Backward(ws[l.Relu2], d2, d2);
        Bn2.Backward(ws[l.Conv2], l.Bn2Statistics.Of(stats), d2, d2, batch, plane, grads);
        Span<float> d1 = ws[l.Stem1Gradient];
        Conv2.Backward(ws[l.Relu1], d2, d1, batch, s1, s1, grads);
        ReluBackward.Backward(ws[l.Relu1], d1, d1);
        Bn1.Backward(ws[l.Conv1], l.Bn1Statistics.Of(stats), d1, d1, batch, plane, grads);
        Conv1.Backward(ws[l.Images], d1, dImages, batch, ImageResolution, ImageResolution, grads);
    }

    // Bottleneck k counting across the stages.
    private Bottleneck Block(int k) => _blocks[k];

    private static Span<float> StreamGradient(WorkspaceArena ws, in Layout l, int index)
        => ws[index % 2 == 0 ? l.StreamGradientEven : l.StreamGradientOdd];

    /// <summary>Every batch norm of the tower: the stem's, then each bottleneck's (the shortcut's last).</summary>
    internal IEnumerable<BatchNorm2d> BatchNorms()
    {
        yield return Bn1;
        yield return Bn2;
        yield return Bn3;
        foreach (Bottleneck block in Stages.SelectMany(stage => stage))
        {
            yield return block.Bn1;
            yield return block.Bn2;
            yield return block.Bn3;
            if (block.DownsampleBn is not null)
            {
                yield return block.DownsampleBn;
            }
        }
    }

    // The tower's slices for a batch: the stem's (each batch norm's input and its ReLU's output, the same slice unless
    // kept), the block streams (kept: one per block boundary; otherwise two that the blocks alternate between), every
    // block's slices (kept: their own; otherwise one region they all reuse) and the attention pool's; kept, also a
    // copy of the images and the backward's scratch. blocks receives each bottleneck's layout.
    private readonly struct Layout
    {
        public Layout(
            ref WorkspaceLayout layout, ref WorkspaceLayout statistics, ModifiedResNet r, int batch, bool keep, Span<BottleneckLayout> blocks)
        {
            int half = r.Width / 2;
            int s1 = r.Conv1.OutputSize(r.ImageResolution);
            long plane = (long)s1 * s1;
            Images = keep ? layout.Add((long)batch * 3 * r.ImageResolution * r.ImageResolution) : default;
            Conv1 = layout.Add(batch * half * plane);
            Relu1 = keep ? layout.Add(batch * half * plane) : Conv1;
            Conv2 = layout.Add(batch * half * plane);
            Relu2 = keep ? layout.Add(batch * half * plane) : Conv2;
            Conv3 = layout.Add(batch * r.Width * plane);
            Relu3 = keep ? layout.Add(batch * r.Width * plane) : Conv3;
            Bn1Statistics = statistics.Add(r.Bn1.StatisticsLength);
            Bn2Statistics = statistics.Add(r.Bn2.StatisticsLength);
            Bn3Statistics = statistics.Add(r.Bn3.StatisticsLength);

            // Stream sizes: the stem's output, then every block's.
            long largest = (long)batch * r.Width * r.StemSize * r.StemSize;
            long conv3 = 0, pooled = 0, relu = 0;
            int size = r.StemSize;
            for (int k = 0; k < blocks.Length; k++)
            {
                Bottleneck block = r.Block(k);
                int o = block.OutputSize(size);
                largest = Math.Max(largest, (long)batch * block.OutChannels * o * o);
                conv3 = Math.Max(conv3, (long)batch * block.OutChannels * o * o);
                pooled = Math.Max(pooled, (long)batch * Math.Max(block.Planes, block.Inplanes) * o * o);
                relu = Math.Max(relu, (long)batch * Math.Max(block.Planes, block.Inplanes) * size * size);
                size = o;
            }

            WorkspaceSlice even = default, odd = default;
            if (!keep)
            {
                even = layout.Add(largest);
                odd = layout.Add(largest);
            }

            WorkspaceLayout region = layout;
            long end = layout.Count;
            size = r.StemSize;
            long stem = (long)batch * r.Width * size * size;
            WorkspaceSlice input = keep ? layout.Add(stem) : even with { Length = checked((int)stem) };
            for (int k = 0; k < blocks.Length; k++)
            {
                Bottleneck block = r.Block(k);
                int o = block.OutputSize(size);
                WorkspaceSlice output = keep ? layout.Add((long)batch * block.OutChannels * o * o) : (k % 2 == 0 ? odd : even);
                if (!keep)
                {
                    // Trim the alternating slices to the map this block writes.
                    output = output with { Length = checked((int)((long)batch * block.OutChannels * o * o)) };
                    var local = region;
                    blocks[k] = new BottleneckLayout(ref local, ref statistics, block, batch, size, input, output, keep);
                    end = Math.Max(end, local.Count);
                }
                else
                {
                    blocks[k] = new BottleneckLayout(ref layout, ref statistics, block, batch, size, input, output, keep);
                }

                input = output;
                size = o;
            }

            if (!keep)
            {
                layout.Skip(end - layout.Count);
            }

            AttentionPool2d pool = r.Attnpool;
            int c = pool.EmbedDim;
            long sequence = (long)batch * pool.Tokens * c;
            Sequence = layout.Add(sequence);
            Query = layout.Add((long)batch * c);
            Keys = layout.Add(sequence);
            Values = layout.Add(sequence);
            Probabilities = keep ? layout.Add((long)batch * pool.Heads * pool.Tokens) : default;
            Attended = layout.Add((long)batch * c);
            if (keep)
            {
                AttendedGradient = layout.Add((long)batch * c);
                QueryGradient = layout.Add((long)batch * c);
                KeysGradient = layout.Add(sequence);
                ValuesGradient = layout.Add(sequence);
                SequenceGradient = layout.Add(sequence);
                StreamGradientEven = layout.Add(largest);
                StreamGradientOdd = layout.Add(largest);
                BlockGradients = new BottleneckGradientLayout(ref layout, conv3, pooled, relu);
                Stem3Gradient = layout.Add(batch * r.Width * plane);
                Stem2Gradient = layout.Add(batch * half * plane);
                Stem1Gradient = layout.Add(batch * half * plane);
            }
        }

        public WorkspaceSlice Images { get; }

        /// <summary>The stem's conv outputs (its batch norms' inputs) and ReLU outputs: [B, W/2 or W, R/2, R/2].</summary>
        public WorkspaceSlice Conv1 { get; }

        public WorkspaceSlice Relu1 { get; }

        public WorkspaceSlice Conv2 { get; }

        public WorkspaceSlice Relu2 { get; }

        public WorkspaceSlice Conv3 { get; }

        public WorkspaceSlice Relu3 { get; }

        public WorkspaceSlice Bn1Statistics { get; }

        public WorkspaceSlice Bn2Statistics { get; }

        public WorkspaceSlice Bn3Statistics { get; }

        /// <summary>The attention pool's tokens, query, keys, values, probabilities and attended values.</summary>
        public WorkspaceSlice Sequence { get; }

        public WorkspaceSlice Query { get; }

        public WorkspaceSlice Keys { get; }

        public WorkspaceSlice Values { get; }

        public WorkspaceSlice Probabilities { get; }

        public WorkspaceSlice Attended { get; }

        public WorkspaceSlice AttendedGradient { get; }

        public WorkspaceSlice QueryGradient { get; }

        public WorkspaceSlice KeysGradient { get; }

        public WorkspaceSlice ValuesGradient { get; }

        public WorkspaceSlice SequenceGradient { get; }

        public WorkspaceSlice StreamGradientEven { get; }

        public WorkspaceSlice StreamGradientOdd { get; }

        public BottleneckGradientLayout BlockGradients { get; }

        public WorkspaceSlice Stem3Gradient { get; }

        public WorkspaceSlice Stem2Gradient { get; }

        public WorkspaceSlice Stem1Gradient { get; }
    }
}
