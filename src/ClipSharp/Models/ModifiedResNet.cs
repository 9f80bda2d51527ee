using System.Buffers;
using ClipSharp.Layers;
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

    public ModifiedResNet(
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

    public Conv2d Conv1 { get; }

    public BatchNorm2d Bn1 { get; }

    public Conv2d Conv2 { get; }

    public BatchNorm2d Bn2 { get; }

    public Conv2d Conv3 { get; }

    public BatchNorm2d Bn3 { get; }

    /// <summary>layer1..layer4.</summary>
    public IReadOnlyList<IReadOnlyList<Bottleneck>> Stages { get; }

    public AttentionPool2d Attnpool { get; }

    // images: [B, 3, R, R] -> [B, E]
    public Tensor Forward(Tensor images, Action<string, Tensor>? observer = null)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        var features = new float[batch * OutputDim];
        Run(images, batch, features, observer);
        return new Tensor(features, batch, OutputDim);
    }

    // images: [B, 3, R, R] -> destination: [B, E]; intermediates are pooled, so a repeated call allocates nothing.
    public void Forward(Tensor images, Span<float> destination)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        FeatureDestination.Validate(destination.Length, batch, OutputDim);
        Run(images, batch, destination, observer: null);
    }

    private void Run(Tensor images, int batch, Span<float> destination, Action<string, Tensor>? observer)
    {
        int half = Width / 2;
        int s1 = Conv1.OutputSize(ImageResolution);
        int plane = s1 * s1;
        int size = StemSize;

        // The feature map moves from one pooled buffer to the next; each is returned once the next block has read it.
        float[] x = ArrayPool<float>.Shared.Rent(batch * Width * size * size);
        int length = batch * Width * size * size;
        try
        {
            using (var c = new PooledBuffer(batch * Width * plane))
            {
                using (var b = new PooledBuffer(batch * half * plane))
                {
                    using (var a = new PooledBuffer(batch * half * plane))
                    {
                        Conv1.Forward(images.Span, a.Span, batch, ImageResolution, ImageResolution);
                        Bn1.Forward(a.Span, a.Span, batch, plane);
                        Relu.Forward(a.Span, a.Span);

                        Conv2.Forward(a.Span, b.Span, batch, s1, s1);
                    }

                    Bn2.Forward(b.Span, b.Span, batch, plane);
                    Relu.Forward(b.Span, b.Span);

                    Conv3.Forward(b.Span, c.Span, batch, s1, s1);
                }

                Bn3.Forward(c.Span, c.Span, batch, plane);
                Relu.Forward(c.Span, c.Span);

                AvgPool2d.Forward(c.Span, x.AsSpan(0, length), batch, Width, s1, s1, 2, 2);
            }

            Observation.Report(observer, "visual.stem.out", x.AsSpan(0, length), batch, Width, size, size);

            int channels = Width;
            for (int s = 0; s < Stages.Count; s++)
            {
                // Indexed, not foreach: the stages are interface-typed lists, whose enumerators are boxed.
                IReadOnlyList<Bottleneck> stage = Stages[s];
                for (int i = 0; i < stage.Count; i++)
                {
                    Bottleneck block = stage[i];
                    int next = block.OutputSize(size);
                    int nextLength = batch * block.OutChannels * next * next;
                    float[] input = x;
                    x = ArrayPool<float>.Shared.Rent(nextLength);
                    block.Forward(input.AsSpan(0, length), x.AsSpan(0, nextLength), batch, size, size);
                    ArrayPool<float>.Shared.Return(input);
                    length = nextLength;
                    size = next;
                    channels = block.OutChannels;
                }

                Observation.Report(observer, s_layerNames[s], x.AsSpan(0, length), batch, channels, size, size);
            }

            Attnpool.Forward(x.AsSpan(0, length), destination, batch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(x);
        }
    }

    /// <summary>Every batch norm of the tower: the stem's, then each bottleneck's (the shortcut's last).</summary>
    public IEnumerable<BatchNorm2d> BatchNorms()
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

    public ImageActivations ForwardTraining(Tensor images)
    {
        int batch = ImageInput.Validate(images, ImageResolution);
        int half = Width / 2;
        int s1 = Conv1.OutputSize(ImageResolution);
        int plane = s1 * s1;

        var a = new float[batch * half * plane];
        Conv1.Forward(images.Span, a, batch, ImageResolution, ImageResolution);
        BatchNormActivations bn1 = Bn1.ForwardTraining(a, a, batch, plane);
        Relu.Forward(a, a);

        var b = new float[batch * half * plane];
        Conv2.Forward(a, b, batch, s1, s1);
        BatchNormActivations bn2 = Bn2.ForwardTraining(b, b, batch, plane);
        Relu.Forward(b, b);

        var c = new float[batch * Width * plane];
        Conv3.Forward(b, c, batch, s1, s1);
        BatchNormActivations bn3 = Bn3.ForwardTraining(c, c, batch, plane);
        Relu.Forward(c, c);

        int size = StemSize;
        var x = new float[batch * Width * size * size];
        AvgPool2d.Forward(c, x, batch, Width, s1, s1, 2, 2);

        var blocks = new List<BottleneckActivations>();
        foreach (Bottleneck block in Stages.SelectMany(stage => stage))
        {
            int next = block.OutputSize(size);
            var y = new float[batch * block.OutChannels * next * next];
            blocks.Add(block.ForwardTraining(x, y, batch, size, size));
            x = y;
            size = next;
        }

        var features = new float[batch * OutputDim];
        AttentionPoolActivations pool = Attnpool.ForwardTraining(x, features, batch);
        return new ResNetActivations(new Tensor(features, batch, OutputDim), images, bn1, a, bn2, b, bn3, c, blocks, pool);
    }

    public void Backward(ImageActivations activations, ReadOnlySpan<float> dFeatures, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        if (activations is not ResNetActivations r)
        {
            throw new ArgumentException("activations come from another image tower.", nameof(activations));
        }

        int batch = r.Batch;
        int half = Width / 2;
        int s1 = Conv1.OutputSize(ImageResolution);
        int plane = s1 * s1;
        Bottleneck[] blocks = [.. Stages.SelectMany(stage => stage)];
        int[] sizes = new int[blocks.Length + 1];
        sizes[0] = StemSize;
        for (int i = 0; i < blocks.Length; i++)
        {
            sizes[i + 1] = blocks[i].OutputSize(sizes[i]);
        }

        var dx = new float[batch * EmbedDim * FeatureSize * FeatureSize];
        Attnpool.Backward(r.Pool, dFeatures, dx, batch, grads);
        for (int i = blocks.Length - 1; i >= 0; i--)
        {
            var dIn = new float[batch * blocks[i].Inplanes * sizes[i] * sizes[i]];
            blocks[i].Backward(r.Blocks[i], dx, dIn, batch, sizes[i], sizes[i], grads);
            dx = dIn;
        }

        var dc = new float[batch * Width * plane];
        AvgPool2dBackward.Backward(dx, dc, batch, Width, s1, s1, 2, 2);
        ReluBackward.Backward(r.Relu3, dc, dc);
        Bn3.Backward(r.Bn3, dc, dc, batch, plane, grads);
        var db = new float[batch * half * plane];
        Conv3.Backward(r.Relu2, dc, db, batch, s1, s1, grads);
        ReluBackward.Backward(r.Relu2, db, db);
        Bn2.Backward(r.Bn2, db, db, batch, plane, grads);
        var da = new float[batch * half * plane];
        Conv2.Backward(r.Relu1, db, da, batch, s1, s1, grads);
        ReluBackward.Backward(r.Relu1, da, da);
        Bn1.Backward(r.Bn1, da, da, batch, plane, grads);
        Conv1.Backward(r.Images.Span, da, default, batch, ImageResolution, ImageResolution, grads);
    }

    private sealed class ResNetActivations(
        Tensor features, Tensor images, BatchNormActivations bn1, float[] relu1, BatchNormActivations bn2, float[] relu2,
        BatchNormActivations bn3, float[] relu3, IReadOnlyList<BottleneckActivations> blocks, AttentionPoolActivations pool)
        : ImageActivations(features)
    {
        public Tensor Images { get; } = images;

        public BatchNormActivations Bn1 { get; } = bn1;

        public float[] Relu1 { get; } = relu1;

        public BatchNormActivations Bn2 { get; } = bn2;

        public float[] Relu2 { get; } = relu2;

        public BatchNormActivations Bn3 { get; } = bn3;

        public float[] Relu3 { get; } = relu3;

        public IReadOnlyList<BottleneckActivations> Blocks { get; } = blocks;

        public AttentionPoolActivations Pool { get; } = pool;
    }
}
