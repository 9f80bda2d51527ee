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
        // The reference's initialize_parameters zeroes bn3's gain, so every block starts as its shortcut.
        Bn3 = new BatchNorm2d(scope.Child("bn3"), planes * Expansion, 1e-5f, ParameterInit.Zeros);
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

    // x: [B, inplanes, H, W] -> y: [B, 4·planes, H/stride, W/stride]; intermediates are pooled.
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width)
    {
        int hw = height * width;
        int oh = OutputSize(height);
        int ow = OutputSize(width);

        using (var t2 = new PooledBuffer(batch * Planes * hw))
        {
            using (var t1 = new PooledBuffer(batch * Planes * hw))
            {
                Conv1.Forward(x, t1.Span, batch, height, width);
                Bn1.Forward(t1.Span, t1.Span, batch, hw);
                Relu.Forward(t1.Span, t1.Span);

                Conv2.Forward(t1.Span, t2.Span, batch, height, width);
            }

            Bn2.Forward(t2.Span, t2.Span, batch, hw);
            Relu.Forward(t2.Span, t2.Span);

            if (Stride > 1)
            {
                using var pooled = new PooledBuffer(batch * Planes * oh * ow);
                AvgPool2d.Forward(t2.Span, pooled.Span, batch, Planes, height, width, Stride, Stride);
                Conv3.Forward(pooled.Span, y, batch, oh, ow);
            }
            else
            {
                Conv3.Forward(t2.Span, y, batch, oh, ow);
            }
        }

        Bn3.Forward(y, y, batch, oh * ow);

        if (DownsampleConv is not null)
        {
            using var identity = new PooledBuffer(batch * OutChannels * oh * ow);
            if (Stride > 1)
            {
                using var pooledX = new PooledBuffer(batch * Inplanes * oh * ow);
                AvgPool2d.Forward(x, pooledX.Span, batch, Inplanes, height, width, Stride, Stride);
                DownsampleConv.Forward(pooledX.Span, identity.Span, batch, oh, ow);
            }
            else
            {
                DownsampleConv.Forward(x, identity.Span, batch, oh, ow);
            }

            DownsampleBn!.Forward(identity.Span, identity.Span, batch, oh * ow);
            TensorPrimitives.Add(y, identity.Span, y);
        }
        else
        {
            TensorPrimitives.Add(y, x, y);
        }

        Relu.Forward(y, y);
    }

    // As Forward with train-mode batch norms, keeping what Backward needs.
    public BottleneckActivations ForwardTraining(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width)
    {
        int hw = height * width;
        int oh = OutputSize(height);
        int ow = OutputSize(width);
        float[] input = x.ToArray();

        var t1 = new float[batch * Planes * hw];
        Conv1.Forward(input, t1, batch, height, width);
        BatchNormActivations bn1 = Bn1.ForwardTraining(t1, t1, batch, hw);
        Relu.Forward(t1, t1);

        var t2 = new float[batch * Planes * hw];
        Conv2.Forward(t1, t2, batch, height, width);
        BatchNormActivations bn2 = Bn2.ForwardTraining(t2, t2, batch, hw);
        Relu.Forward(t2, t2);

        float[] pooled = t2;
        if (Stride > 1)
        {
            pooled = new float[batch * Planes * oh * ow];
            AvgPool2d.Forward(t2, pooled, batch, Planes, height, width, Stride, Stride);
        }

        Conv3.Forward(pooled, y, batch, oh, ow);
        BatchNormActivations bn3 = Bn3.ForwardTraining(y, y, batch, oh * ow);

        float[]? shortcutIn = null;
        BatchNormActivations? downsampleBn = null;
        if (DownsampleConv is not null)
        {
            shortcutIn = input;
            if (Stride > 1)
            {
                shortcutIn = new float[batch * Inplanes * oh * ow];
                AvgPool2d.Forward(input, shortcutIn, batch, Inplanes, height, width, Stride, Stride);
            }

            var identity = new float[batch * OutChannels * oh * ow];
            DownsampleConv.Forward(shortcutIn, identity, batch, oh, ow);
            downsampleBn = DownsampleBn!.ForwardTraining(identity, identity, batch, oh * ow);
            TensorPrimitives.Add(y, identity, y);
        }
        else
        {
            TensorPrimitives.Add(y, input, y);
        }

        Relu.Forward(y, y);
        return new BottleneckActivations(input, bn1, t1, bn2, t2, pooled, bn3, shortcutIn, downsampleBn, y.ToArray());
    }

    // dy: [B, 4·planes, H/stride, W/stride] -> dx: [B, inplanes, H, W] (overwritten).
    public void Backward(BottleneckActivations a, ReadOnlySpan<float> dy, Span<float> dx, int batch, int height, int width, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(a);
        int hw = height * width;
        int oh = OutputSize(height);
        int ow = OutputSize(width);

        var dOut = new float[dy.Length];
        ReluBackward.Backward(a.Output, dy, dOut);

        var dConv3 = new float[dOut.Length];
        Bn3.Backward(a.Bn3, dOut, dConv3, batch, oh * ow, grads);
        var dPooled = new float[a.Pooled.Length];
        Conv3.Backward(a.Pooled, dConv3, dPooled, batch, oh, ow, grads);
        float[] dA2 = dPooled;
        if (Stride > 1)
        {
            dA2 = new float[batch * Planes * hw];
            AvgPool2dBackward.Backward(dPooled, dA2, batch, Planes, height, width, Stride, Stride);
        }

        ReluBackward.Backward(a.Relu2, dA2, dA2);
        Bn2.Backward(a.Bn2, dA2, dA2, batch, hw, grads);
        var dA1 = new float[batch * Planes * hw];
        Conv2.Backward(a.Relu1, dA2, dA1, batch, height, width, grads);
        ReluBackward.Backward(a.Relu1, dA1, dA1);
        Bn1.Backward(a.Bn1, dA1, dA1, batch, hw, grads);
        Conv1.Backward(a.Input, dA1, dx, batch, height, width, grads);

        if (DownsampleConv is not null)
        {
            var dIdentity = new float[dOut.Length];
            DownsampleBn!.Backward(a.DownsampleBn!, dOut, dIdentity, batch, oh * ow, grads);
            var dShortcut = new float[a.ShortcutInput!.Length];
            DownsampleConv.Backward(a.ShortcutInput, dIdentity, dShortcut, batch, oh, ow, grads);
            if (Stride > 1)
            {
                var dPooledX = new float[batch * Inplanes * hw];
                AvgPool2dBackward.Backward(dShortcut, dPooledX, batch, Inplanes, height, width, Stride, Stride);
                dShortcut = dPooledX;
            }

            TensorPrimitives.Add(dx, dShortcut, dx);
        }
        else
        {
            TensorPrimitives.Add(dx, dOut, dx);
        }
    }
}

/// <summary>A bottleneck's saved forward values (ReLU outputs double as their masks).</summary>
public sealed record BottleneckActivations(
    float[] Input, BatchNormActivations Bn1, float[] Relu1, BatchNormActivations Bn2, float[] Relu2, float[] Pooled,
    BatchNormActivations Bn3, float[]? ShortcutInput, BatchNormActivations? DownsampleBn, float[] Output);
