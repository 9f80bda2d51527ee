using ClipSharp.Layers.Workspaces;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// ModifiedResNet's bottleneck: 1×1 → 3×3 → avgpool(stride) → 1×1 (×4 channels). Strided blocks downsample by
/// average pooling before the last conv (anti-aliased) instead of striding a conv; the shortcut does the same.
/// </summary>
internal sealed class Bottleneck
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

    // Input: [B, inplanes, H, W] -> Output: [B, 4·planes, H/stride, W/stride], through the block's slices; statistics:
    // its batch norms' (written in train mode).
    internal void Forward(WorkspaceArena ws, Span<double> statistics, in BottleneckLayout l, int batch, int height, int width, ForwardPass pass)
    {
        int hw = height * width;
        int oh = OutputSize(height);
        int ow = OutputSize(width);
        Span<float> x = ws[l.Input];
        Span<float> y = ws[l.Output];

        Conv1.Forward(x, ws[l.Conv1], batch, height, width);
        Bn1.Forward(ws[l.Conv1], ws[l.Relu1], l.Bn1Statistics.Of(statistics), batch, hw, pass);
        Relu.Forward(ws[l.Relu1], ws[l.Relu1]);

        Conv2.Forward(ws[l.Relu1], ws[l.Conv2], batch, height, width);
        Bn2.Forward(ws[l.Conv2], ws[l.Relu2], l.Bn2Statistics.Of(statistics), batch, hw, pass);
        Relu.Forward(ws[l.Relu2], ws[l.Relu2]);

        if (Stride > 1)
        {
            AvgPool2d.Forward(ws[l.Relu2], ws[l.Pooled], batch, Planes, height, width, Stride, Stride);
        }

        Conv3.Forward(ws[l.Pooled], ws[l.Conv3], batch, oh, ow);
        Bn3.Forward(ws[l.Conv3], y, l.Bn3Statistics.Of(statistics), batch, oh * ow, pass);

        if (DownsampleConv is not null)
        {
            if (Stride > 1)
            {
                AvgPool2d.Forward(x, ws[l.ShortcutInput], batch, Inplanes, height, width, Stride, Stride);
            }

            DownsampleConv.Forward(ws[l.ShortcutInput], ws[l.Identity], batch, oh, ow);
            DownsampleBn!.Forward(ws[l.Identity], ws[l.Shortcut], l.DownsampleStatistics.Of(statistics), batch, oh * ow, pass);
            Add.Run(y, ws[l.Shortcut], y);
        }
        else
        {
            Add.Run(y, x, y);
        }

        Relu.Forward(y, y);
    }

    // dy: the gradient of Output [B, 4·planes, H/s, W/s] (overwritten: it becomes the gradient through the final
    // ReLU) -> dx: the gradient of Input [B, inplanes, H, W] (overwritten). The block's slices must hold what a kept
    // Forward wrote; g: the stack's shared backward scratch.
    internal void Backward(
        WorkspaceArena ws, Span<double> statistics, in BottleneckLayout l, in BottleneckGradientLayout g,
        Span<float> dy, Span<float> dx, int batch, int height, int width, ParameterStore grads)
    {
        int hw = height * width;
        int oh = OutputSize(height);
        int ow = OutputSize(width);
        int planes = batch * Planes;
        int inner = planes * hw;
        int pooled = planes * oh * ow;

        ReluBackward.Backward(ws[l.Output], dy, dy);
        Span<float> dConv3 = ws[g.Conv3][..dy.Length];
        Bn3.Backward(ws[l.Conv3], l.Bn3Statistics.Of(statistics), dy, dConv3, batch, oh * ow, grads);
        Span<float> dA2 = ws[g.Relu2][..inner];
        Span<float> dPooled = Stride > 1 ? ws[g.Pooled][..pooled] : dA2;
        Conv3.Backward(ws[l.Pooled], dConv3, dPooled, batch, oh, ow, grads);
        if (Stride > 1)
        {
            AvgPool2dBackward.Backward(dPooled, dA2, batch, Planes, height, width, Stride, Stride);
        }

        ReluBackward.Backward(ws[l.Relu2], dA2, dA2);
        Bn2.Backward(ws[l.Conv2], l.Bn2Statistics.Of(statistics), dA2, dA2, batch, hw, grads);
        Span<float> dA1 = ws[g.Relu1][..inner];
        Conv2.Backward(ws[l.Relu1], dA2, dA1, batch, height, width, grads);
        ReluBackward.Backward(ws[l.Relu1], dA1, dA1);
        Bn1.Backward(ws[l.Conv1], l.Bn1Statistics.Of(statistics), dA1, dA1, batch, hw, grads);
        Conv1.Backward(ws[l.Input], dA1, dx, batch, height, width, grads);

        if (DownsampleConv is not null)
        {
            Span<float> dIdentity = ws[g.Conv3][..dy.Length];
            DownsampleBn!.Backward(ws[l.Identity], l.DownsampleStatistics.Of(statistics), dy, dIdentity, batch, oh * ow, grads);
            int shortcutLength = batch * Inplanes * oh * ow;
            Span<float> dShortcut = Stride > 1 ? ws[g.Pooled][..shortcutLength] : ws[g.Relu1][..dx.Length];
            DownsampleConv.Backward(ws[l.ShortcutInput], dIdentity, dShortcut, batch, oh, ow, grads);
            if (Stride > 1)
            {
                Span<float> dPooledX = ws[g.Relu1][..dx.Length];
                AvgPool2dBackward.Backward(dShortcut, dPooledX, batch, Inplanes, height, width, Stride, Stride);
                dShortcut = dPooledX;
            }

            Add.Run(dx, dShortcut, dx);
        }
        else
        {
            Add.Run(dx, dy, dx);
        }
    }
}
