using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>
/// A tower's output projection into the shared embedding space: <c>features = pooled · proj</c>, with proj stored
/// [in, out] as the reference stores <c>visual.proj</c> and <c>text_projection</c> (no bias).
/// </summary>
internal static class Projection
{
    // pooled: [B, in] -> features: [B, out], written into the caller's buffer.
    public static void Forward(Parameter proj, ReadOnlySpan<float> pooled, int batch, Span<float> features)
    {
        int inDim = proj.Shape[0];
        int outDim = proj.Shape[1];
        if (proj.Packed is { } packed)
        {
            Gemm.SgemmPacked(false, batch, 1f, pooled, inDim, packed, 0f, features, outDim);
            return;
        }

        Gemm.Sgemm(false, false, batch, outDim, inDim, 1f, pooled, inDim, proj.Value.Span, outDim, 0f, features, outDim);
    }

    // dFeatures: [B, out] -> dPooled: [B, in] (overwritten); the gradient of proj accumulates pooledᵀ · dFeatures.
    public static void Backward(
        Parameter proj, ReadOnlySpan<float> pooled, ReadOnlySpan<float> dFeatures, int batch, Span<float> dPooled, ParameterStore grads)
    {
        int inDim = proj.Shape[0];
        int outDim = proj.Shape[1];
        Gemm.Sgemm(true, false, inDim, outDim, batch, 1f, pooled, inDim, dFeatures, outDim, 1f, grads.SpanOf(proj), outDim);
        Gemm.Sgemm(false, true, batch, inDim, outDim, 1f, dFeatures, outDim, proj.Value.Span, outDim, 0f, dPooled, inDim);
    }
}
