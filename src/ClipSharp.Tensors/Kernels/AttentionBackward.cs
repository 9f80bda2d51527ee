namespace ClipSharp.Tensors.Kernels;

public static class AttentionBackward
{
    // The gradient of Attention.Forward, same layout (element (b, t, h, d) at [(b*T + t)*stride + h*headDim + d]).
    // Per (batch, head) the probabilities P = softmax(q·kᵀ·scale) are recomputed, then
    // dV = Pᵀ·dO, dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS·k·scale, dK = dSᵀ·q·scale.
    // dq, dk, dv are overwritten (their head slices only); they may be column slices of one packed buffer.
    public static void Backward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride, ReadOnlySpan<float> v, int vStride,
        ReadOnlySpan<float> dO, int dOStride, Span<float> dq, int dqStride, Span<float> dk, int dkStride,
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
        Run(q, qStride, k, kStride, v, vStride, dO, dOStride, dq, dqStride, dk, dkStride, dv, dvStride,
            batch, heads, queryLength, keyLength, headDim, causal);
    }

    private static unsafe void Run(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride, ReadOnlySpan<float> v, int vStride,
        ReadOnlySpan<float> dO, int dOStride, Span<float> dq, int dqStride, Span<float> dk, int dkStride,
        Span<float> dv, int dvStride, int batch, int heads, int tq, int tk, int d, bool causal)
    {
        float scale = 1f / MathF.Sqrt(d);
        fixed (float* qp = q, kp = k, vp = v, dop = dO, dqp = dq, dkp = dk, dvp = dv)
        {
            nint qa = (nint)qp, ka = (nint)kp, va = (nint)vp, doa = (nint)dop, dqa = (nint)dqp, dka = (nint)dkp, dva = (nint)dvp;
            KernelParallel.For(batch * heads, 4L * tq * tk * d, item =>
            {
                int b = item / heads;
                int h = item % heads;
                float* qb = (float*)qa + ((nint)b * tq * qStride) + (h * d);
                float* kb = (float*)ka + ((nint)b * tk * kStride) + (h * d);
                float* vb = (float*)va + ((nint)b * tk * vStride) + (h * d);
                float* dob = (float*)doa + ((nint)b * tq * dOStride) + (h * d);
                float* dqb = (float*)dqa + ((nint)b * tq * dqStride) + (h * d);
                float* dkb = (float*)dka + ((nint)b * tk * dkStride) + (h * d);
                float* dvb = (float*)dva + ((nint)b * tk * dvStride) + (h * d);
                Head(qb, qStride, kb, kStride, vb, vStride, dob, dOStride, dqb, dqStride, dkb, dkStride, dvb, dvStride, tq, tk, d, causal, scale);
            });
        }
    }

    // One (batch, head) with GEMMs on the strided head slices; P and dP are [tq, tk] scratch.
    private static unsafe void Head(
        float* q, int qs, float* k, int ks, float* v, int vs, float* dO, int dos,
        float* dq, int dqs, float* dk, int dks, float* dv, int dvs, int tq, int tk, int d, bool causal, float scale)
    {
        var qSpan = new ReadOnlySpan<float>(q, Extent(tq, qs, d));
        var kSpan = new ReadOnlySpan<float>(k, Extent(tk, ks, d));
        var vSpan = new ReadOnlySpan<float>(v, Extent(tk, vs, d));
        var dOSpan = new ReadOnlySpan<float>(dO, Extent(tq, dos, d));
        var p = new float[tq * tk];
        var dp = new float[tq * tk];

        Gemm.SgemmSingleThreaded(false, true, tq, tk, d, scale, qSpan, qs, kSpan, ks, 0f, p, tk);
        for (int i = 0; i < tq; i++)
        {
            Span<float> row = p.AsSpan(i * tk, tk);
            int visible = causal ? i + 1 : tk;
            Span<float> seen = row[..visible];
            float max = System.Numerics.Tensors.TensorPrimitives.Max(seen);
            System.Numerics.Tensors.TensorPrimitives.Subtract(seen, max, seen);
            System.Numerics.Tensors.TensorPrimitives.Exp(seen, seen);
            float sum = System.Numerics.Tensors.TensorPrimitives.Sum(seen);
            System.Numerics.Tensors.TensorPrimitives.Divide(seen, sum, seen);
            row[visible..].Clear();
        }

        // dV = Pᵀ·dO, dP = dO·vᵀ.
        Gemm.SgemmSingleThreaded(true, false, tk, d, tq, 1f, p, tk, dOSpan, dos, 0f, new Span<float>(dv, Extent(tk, dvs, d)), dvs);
        Gemm.SgemmSingleThreaded(false, true, tq, tk, d, 1f, dOSpan, dos, vSpan, vs, 0f, dp, tk);

        // dS = P ⊙ (dP − Σ_j P·dP), in place in dp (masked entries have P = 0, so they stay 0).
        for (int i = 0; i < tq; i++)
        {
            Span<float> pRow = p.AsSpan(i * tk, tk);
            Span<float> dRow = dp.AsSpan(i * tk, tk);
            float rowDot = System.Numerics.Tensors.TensorPrimitives.Dot(pRow, dRow);
            System.Numerics.Tensors.TensorPrimitives.Subtract(dRow, rowDot, dRow);
            System.Numerics.Tensors.TensorPrimitives.Multiply(dRow, pRow, dRow);
        }

        // dQ = dS·k·scale, dK = dSᵀ·q·scale.
        Gemm.SgemmSingleThreaded(false, false, tq, d, tk, scale, dp, tk, kSpan, ks, 0f, new Span<float>(dq, Extent(tq, dqs, d)), dqs);
        Gemm.SgemmSingleThreaded(true, false, tk, d, tq, scale, dp, tk, qSpan, qs, 0f, new Span<float>(dk, Extent(tk, dks, d)), dks);
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
}
