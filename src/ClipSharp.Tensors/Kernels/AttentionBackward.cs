namespace ClipSharp.Tensors.Kernels;

public static class AttentionBackward
{
    // The gradient of Attention.Forward, same layout (element (b, t, h, d) at [(b*T + t)*stride + h*headDim + d]).
    // probabilities: P [B, heads, queryLength, keyLength] as the forward wrote them (Attention.Forward's overload that
    // keeps them), so the backward differentiates the very weights the forward used. Per (batch, head):
    // dV = Pᵀ·dO, dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS·k·scale, dK = dSᵀ·q·scale.
    // dq, dk, dv are overwritten (their head slices only); they may be column slices of one packed buffer.
    public static void Backward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride, ReadOnlySpan<float> v, int vStride,
        ReadOnlySpan<float> probabilities, ReadOnlySpan<float> dO, int dOStride, Span<float> dq, int dqStride, Span<float> dk, int dkStride,
        Span<float> dv, int dvStride, int batch, int heads, int queryLength, int keyLength, int headDim, bool causal)
    {
        KernelArgs.NonNegative(batch, nameof(batch));
        KernelArgs.Positive(heads, nameof(heads));
        KernelArgs.Positive(queryLength, nameof(queryLength));
        KernelArgs.Positive(keyLength, nameof(keyLength));
        KernelArgs.Positive(headDim, nameof(headDim));
        if (causal && queryLength != keyLength)
        {
            throw new ArgumentException(
                $"causal attention needs queryLength == keyLength, got queryLength={queryLength}, keyLength={keyLength}.",
                nameof(causal));
        }

        long width = (long)heads * headDim;
        Check(q.Length, qStride, nameof(q), batch, queryLength, width);
        Check(k.Length, kStride, nameof(k), batch, keyLength, width);
        Check(v.Length, vStride, nameof(v), batch, keyLength, width);
        Check(dO.Length, dOStride, nameof(dO), batch, queryLength, width);
        Check(dq.Length, dqStride, nameof(dq), batch, queryLength, width);
        Check(dk.Length, dkStride, nameof(dk), batch, keyLength, width);
        Check(dv.Length, dvStride, nameof(dv), batch, keyLength, width);
        KernelArgs.Length(
            probabilities.Length, (long)batch * heads * queryLength * keyLength, nameof(probabilities),
            $"[B={batch}, heads={heads}, queryLength={queryLength}, keyLength={keyLength}]");
        if (batch == 0)
        {
            return;
        }

        unsafe
        {
            fixed (float* qp = q, kp = k, vp = v, pp = probabilities, dop = dO, dqp = dq, dkp = dk, dvp = dv)
            {
                var shape = new Shape(qStride, kStride, vStride, dOStride, dqStride, dkStride, dvStride, heads, queryLength, keyLength, headDim);
                KernelParallel.For(batch * heads, 4L * queryLength * keyLength * headDim, new Heads(qp, kp, vp, pp, dop, dqp, dkp, dvp, shape));
            }
        }
    }

    // One (batch, head) with GEMMs on the strided head slices; dP is [tq, tk] per-thread scratch.
    private static unsafe void Head(
        float* q, float* k, float* v, float* probabilities, float* dO, float* dq, float* dk, float* dv, int item, in Shape s)
    {
        int b = item / s.Heads;
        int h = item % s.Heads;
        int tq = s.Tq, tk = s.Tk, d = s.D;
        float scale = 1f / MathF.Sqrt(d);
        nint column = (nint)h * d;
        var qSpan = new ReadOnlySpan<float>(q + ((nint)b * tq * s.QStride) + column, Extent(tq, s.QStride, d));
        var kSpan = new ReadOnlySpan<float>(k + ((nint)b * tk * s.KStride) + column, Extent(tk, s.KStride, d));
        var vSpan = new ReadOnlySpan<float>(v + ((nint)b * tk * s.VStride) + column, Extent(tk, s.VStride, d));
        var dOSpan = new ReadOnlySpan<float>(dO + ((nint)b * tq * s.DOStride) + column, Extent(tq, s.DOStride, d));
        var dqSpan = new Span<float>(dq + ((nint)b * tq * s.DqStride) + column, Extent(tq, s.DqStride, d));
        var dkSpan = new Span<float>(dk + ((nint)b * tk * s.DkStride) + column, Extent(tk, s.DkStride, d));
        var dvSpan = new Span<float>(dv + ((nint)b * tk * s.DvStride) + column, Extent(tk, s.DvStride, d));
        var p = new ReadOnlySpan<float>(probabilities + ((nint)item * tq * tk), tq * tk);
        Span<float> dp = KernelScratch.Get(tq * tk).AsSpan(0, tq * tk);

        // dV = Pᵀ·dO, dP = dO·vᵀ.
        Gemm.SgemmSingleThreaded(true, false, tk, d, tq, 1f, p, tk, dOSpan, s.DOStride, 0f, dvSpan, s.DvStride);
        Gemm.SgemmSingleThreaded(false, true, tq, tk, d, 1f, dOSpan, s.DOStride, vSpan, s.VStride, 0f, dp, tk);

        // dS = P ⊙ (dP − Σ_j P·dP), in place in dp (masked entries have P = 0, so they become 0).
        for (int i = 0; i < tq; i++)
        {
            ReadOnlySpan<float> pRow = p.Slice(i * tk, tk);
            Span<float> dRow = dp.Slice(i * tk, tk);
            float rowDot = System.Numerics.Tensors.TensorPrimitives.Dot(pRow, dRow);
            System.Numerics.Tensors.TensorPrimitives.Subtract(dRow, rowDot, dRow);
            System.Numerics.Tensors.TensorPrimitives.Multiply(dRow, pRow, dRow);
        }

        // dQ = dS·k·scale, dK = dSᵀ·q·scale.
        Gemm.SgemmSingleThreaded(false, false, tq, d, tk, scale, dp, tk, kSpan, s.KStride, 0f, dqSpan, s.DqStride);
        Gemm.SgemmSingleThreaded(true, false, tk, d, tq, scale, dp, tk, qSpan, s.QStride, 0f, dkSpan, s.DkStride);
    }

    private static int Extent(int rows, int stride, int width) => ((rows - 1) * stride) + width;

    private static void Check(int length, int stride, string name, int batch, int tokens, long width)
    {
        if (stride < width)
        {
            throw new ArgumentException($"{name} row stride {stride} is smaller than heads·headDim = {width}.", name);
        }

        long needed = batch * tokens == 0 ? 0 : (((long)batch * tokens) - 1) * stride + width;
        KernelArgs.Length(length, needed, name, $"[B={batch}, T={tokens}, stride={stride}]");
    }

    private readonly record struct Shape(
        int QStride, int KStride, int VStride, int DOStride, int DqStride, int DkStride, int DvStride, int Heads, int Tq, int Tk, int D);

    // The forked loop body: a struct carrying the operands, so forking allocates nothing.
    private readonly unsafe struct Heads(
        float* q, float* k, float* v, float* p, float* dO, float* dq, float* dk, float* dv, Shape shape) : IForkBody
    {
        public void Run(int item) => Head(q, k, v, p, dO, dq, dk, dv, item, in shape);
    }
}
