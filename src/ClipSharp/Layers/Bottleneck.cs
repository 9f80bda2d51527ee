using ClipSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Layers;

/// <summary>
/// ModifiedResNet's bottleneck: 1×1 → 3×3 → avgpool(stride) → 1×1 (×4 channels). Strided blocks downsample by
/// average pooling before the last conv (anti-aliased) instead of striding a conv; the shortcut does the same.
/// </summary>
public sealed class Bottleneck
{
    public const int Expansion = 4;

    public Bottleneck(ParameterScope scope, int inplanes, int planes, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        Inplanes = inplanes;
        Planes = planes;
        Stride = stride;
        Conv1 = new Conv2d(scope.Child("conv1"), inplanes, planes, 1);
        Bn1 = new BatchNorm2d(scope.Child("bn1"), planes);
        Conv2 = new Conv2d(scope.Child("conv2"), planes, planes, 3, padding: 1);
        Bn2 = new BatchNorm2d(scope.Child("bn2"), planes);
        Conv3 = new Conv2d(scope.Child("conv3"), planes, planes * Expansion, 1);
        Bn3 = new BatchNorm2d(scope.Child("bn3"), planes * Expansion);
        if (stride > 1 || inplanes != planes * Expansion)
        {
            // Reference names: downsample.-1 is the parameter-free pool, .0 the conv, .1 the norm.
            ParameterScope downsample = scope.Child("downsample");
            DownsampleConv = new Conv2d(downsample.Child("0"), inplanes, planes * Expansion, 1);
            DownsampleBn = new BatchNorm2d(downsample.Child("1"), planes * Expansion);
        }
    }

    public int Inplanes { get; }

    public int Planes { get; }

    public int OutChannels => Planes * Expansion;

    public int Stride { get; }

    public Conv2d Conv1 { get; }

    public BatchNorm2d Bn1 { get; }

    public Conv2d Conv2 { get; }

    public BatchNorm2d Bn2 { get; }

    public Conv2d Conv3 { get; }

    public BatchNorm2d Bn3 { get; }

    public Conv2d? DownsampleConv { get; }

    public BatchNorm2d? DownsampleBn { get; }

    public int OutputSize(int input) => Stride > 1 ? AvgPool2d.OutputSize(input, Stride, Stride) : input;

    // x: [B, inplanes, H, W] -> y: [B, 4·planes, H/stride, W/stride]
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width)
    {
        int hw = height * width;
        int oh = OutputSize(height);
        int ow = OutputSize(width);

        var t1 = new float[batch * Planes * hw];
        Conv1.Forward(x, t1, batch, height, width);
        Bn1.Forward(t1, t1, batch, hw);
        Relu.Forward(t1, t1);

        var t2 = new float[batch * Planes * hw];
        Conv2.Forward(t1, t2, batch, height, width);
        Bn2.Forward(t2, t2, batch, hw);
        Relu.Forward(t2, t2);

        float[] pooled = t2;
        if (Stride > 1)
        {
            pooled = new float[batch * Planes * oh * ow];
            AvgPool2d.Forward(t2, pooled, batch, Planes, height, width, Stride, Stride);
        }

        Conv3.Forward(pooled, y, batch, oh, ow);
        Bn3.Forward(y, y, batch, oh * ow);

        if (DownsampleConv is not null)
        {
            ReadOnlySpan<float> shortcutIn = x;
            if (Stride > 1)
            {
                var pooledX = new float[batch * Inplanes * oh * ow];
                AvgPool2d.Forward(x, pooledX, batch, Inplanes, height, width, Stride, Stride);
                shortcutIn = pooledX;
            }

            var identity = new float[batch * OutChannels * oh * ow];
            DownsampleConv.Forward(shortcutIn, identity, batch, oh, ow);
            DownsampleBn!.Forward(identity, identity, batch, oh * ow);
            TensorPrimitives.Add(y, identity, y);
        }
        else
        {
            TensorPrimitives.Add(y, x, y);
        }

        Relu.Forward(y, y);
    }
}
