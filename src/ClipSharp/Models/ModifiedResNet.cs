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
        int half = Width / 2;
        int s1 = Conv1.OutputSize(ImageResolution);
        int plane = s1 * s1;

        var a = new float[batch * half * plane];
        Conv1.Forward(images.Span, a, batch, ImageResolution, ImageResolution);
        Bn1.Forward(a, a, batch, plane);
        Relu.Forward(a, a);

        var b = new float[batch * half * plane];
        Conv2.Forward(a, b, batch, s1, s1);
        Bn2.Forward(b, b, batch, plane);
        Relu.Forward(b, b);

        var c = new float[batch * Width * plane];
        Conv3.Forward(b, c, batch, s1, s1);
        Bn3.Forward(c, c, batch, plane);
        Relu.Forward(c, c);

        int size = StemSize;
        var x = new float[batch * Width * size * size];
        AvgPool2d.Forward(c, x, batch, Width, s1, s1, 2, 2);
        Observation.Report(observer, "visual.stem.out", x, batch, Width, size, size);

        int channels = Width;
        for (int s = 0; s < Stages.Count; s++)
        {
            foreach (Bottleneck block in Stages[s])
            {
                int next = block.OutputSize(size);
                var y = new float[batch * block.OutChannels * next * next];
                block.Forward(x, y, batch, size, size);
                x = y;
                size = next;
                channels = block.OutChannels;
            }

            Observation.Report(observer, s_layerNames[s], x, batch, channels, size, size);
        }

        var features = new float[batch * OutputDim];
        Attnpool.Forward(x, features, batch);
        return new Tensor(features, batch, OutputDim);
    }
}
