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

    private static unsafe void Head(
        float* q, int qs, float* k, int ks, float* v, int vs, float* dO, int dos,
        float* dq, int dqs, float* dk, int dks, float* dv, int dvs, int tq, int tk, int d, bool causal, float scale)
    {
        for (int j = 0; j < tk; j++)
        {
            new Span<float>(dk + ((nint)j * dks), d).Clear();
            new Span<float>(dv + ((nint)j * dvs), d).Clear();
        }

        var p = new float[tk];
        var dp = new float[tk];
        for (int i = 0; i < tq; i++)
        {
            int visible = causal ? i + 1 : tk;
            var qi = new ReadOnlySpan<float>(q + ((nint)i * qs), d);
            var doi = new ReadOnlySpan<float>(dO + ((nint)i * dos), d);
            float max = float.NegativeInfinity;
            for (int j = 0; j < visible; j++)
            {
                p[j] = System.Numerics.Tensors.TensorPrimitives.Dot(qi, new ReadOnlySpan<float>(k + ((nint)j * ks), d)) * scale;
                max = MathF.Max(max, p[j]);
            }

            double sum = 0;
            for (int j = 0; j < visible; j++)
            {
                p[j] = MathF.Exp(p[j] - max);
                sum += p[j];
            }

            float inv = (float)(1.0 / sum);
            double rowDot = 0;
            for (int j = 0; j < visible; j++)
            {
                p[j] *= inv;
                dp[j] = System.Numerics.Tensors.TensorPrimitives.Dot(doi, new ReadOnlySpan<float>(v + ((nint)j * vs), d));
                rowDot += p[j] * (double)dp[j];
            }

            var dqi = new Span<float>(dq + ((nint)i * dqs), d);
            dqi.Clear();
            for (int j = 0; j < visible; j++)
            {
                // dv_j += p_ij · dO_i;  ds_ij = p_ij (dp_ij − Σ p·dp);  dq_i += ds_ij·scale·k_j;  dk_j += ds_ij·scale·q_i.
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(
                    doi, p[j], new ReadOnlySpan<float>(dv + ((nint)j * dvs), d), new Span<float>(dv + ((nint)j * dvs), d));
                float ds = (float)(p[j] * (dp[j] - rowDot)) * scale;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(k + ((nint)j * ks), d), ds, dqi, dqi);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(
                    qi, ds, new ReadOnlySpan<float>(dk + ((nint)j * dks), d), new Span<float>(dk + ((nint)j * dks), d));
            }
        }
    }

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
