namespace ClipSharp.Layers;

/// <summary>
/// The ViT's learned class token (a bare [W] parameter). Forward also turns the channels-first patch grid into
/// patch tokens, so the class token lands first without an extra transpose pass.
/// </summary>
internal sealed class ClassEmbedding
{
    public ClassEmbedding(ParameterScope scope, int width)
    {
        Width = width;
        Weight = scope.Parameter("class_embedding", [width], ParameterInit.Normal, 1f / MathF.Sqrt(width));
    }

    public int Width { get; }

    public Parameter Weight { get; }

    // patches: [B, W, N] (the patch conv's output, grid flattened row-major) -> y: [B, N + 1, W]
    public void Forward(ReadOnlySpan<float> patches, Span<float> y, int batch, int patchCount)
    {
        int w = Width;
        int tokens = patchCount + 1;
        ReadOnlySpan<float> cls = Weight.Value.Span;
        for (int b = 0; b < batch; b++)
        {
            Span<float> seq = y.Slice(b * tokens * w, tokens * w);
            cls.CopyTo(seq);
            ReadOnlySpan<float> grid = patches.Slice(b * w * patchCount, w * patchCount);
            for (int ch = 0; ch < w; ch++)
            {
                ReadOnlySpan<float> plane = grid.Slice(ch * patchCount, patchCount);
                for (int p = 0; p < patchCount; p++)
                {
                    seq[((p + 1) * w) + ch] = plane[p];
                }
            }
        }
    }

    // dy: [B, N + 1, W] -> dPatches: [B, W, N] (overwritten); the class token's gradient accumulates row 0 of every sequence.
    public void Backward(ReadOnlySpan<float> dy, Span<float> dPatches, int batch, int patchCount, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        int w = Width;
        int tokens = patchCount + 1;
        Span<float> dCls = grads.SpanOf(Weight);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> seq = dy.Slice(b * tokens * w, tokens * w);
            System.Numerics.Tensors.TensorPrimitives.Add(dCls, seq[..w], dCls);
            Span<float> grid = dPatches.Slice(b * w * patchCount, w * patchCount);
            for (int ch = 0; ch < w; ch++)
            {
                Span<float> plane = grid.Slice(ch * patchCount, patchCount);
                for (int p = 0; p < patchCount; p++)
                {
                    plane[p] = seq[((p + 1) * w) + ch];
                }
            }
        }
    }
}
