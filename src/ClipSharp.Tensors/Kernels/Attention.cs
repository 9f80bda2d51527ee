using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Kernels;

public static class Attention
{
    // Multi-head scaled dot-product attention (scale 1/√headDim). Layout as in AttentionReference:
    // element (b, t, h, d) at [(b*T + t)*stride + h*headDim + d], so q/k/v may be slices of a packed QKV buffer.
    public static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal)
        => AttentionReference.Forward(q, qStride, k, kStride, v, vStride, o, oStride, batch, heads, queryLength, keyLength, headDim, causal);
}
