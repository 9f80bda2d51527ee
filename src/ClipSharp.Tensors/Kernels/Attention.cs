namespace ClipSharp.Tensors.Kernels;

public static class Attention
{
    // Multi-head scaled dot-product attention (scale 1/√headDim), fused: per (batch, head) the keys
    // are transposed once into per-thread scratch, then each query row computes its scores (only
    // keys j ≤ i when causal), a max-shifted softmax and the weighted sum of values, with no T×T
    // matrix ever formed. Parallel over batch×heads.
    // Layout as in AttentionReference: element (b, t, h, d) at [(b*T + t)*stride + h*headDim + d],
    // so q/k/v may be column slices of one packed [B*T, 3W] buffer.
    // q: [B, queryLength, heads, headDim]; k, v: [B, keyLength, heads, headDim]; o like q.
    public static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal)
    {
        KernelArgs.NonNegative(batch, nameof(batch));
        KernelArgs.NonNegative(heads, nameof(heads));
        KernelArgs.NonNegative(queryLength, nameof(queryLength));
        KernelArgs.Positive(keyLength, nameof(keyLength));
        KernelArgs.Positive(headDim, nameof(headDim));
        if (causal && queryLength != keyLength)
        {
            throw new ArgumentException(
                $"causal attention needs queryLength == keyLength, got queryLength={queryLength}, keyLength={keyLength}.",
                nameof(causal));
        }

        long width = (long)heads * headDim;
        CheckOperand(q.Length, qStride, nameof(q), nameof(qStride), batch, queryLength, width);
        CheckOperand(k.Length, kStride, nameof(k), nameof(kStride), batch, keyLength, width);
        CheckOperand(v.Length, vStride, nameof(v), nameof(vStride), batch, keyLength, width);
        CheckOperand(o.Length, oStride, nameof(o), nameof(oStride), batch, queryLength, width);
        Forward(q, qStride, k, kStride, v, vStride, o, oStride, batch, heads, queryLength, keyLength, headDim, causal, KernelIsas.Best);
    }

    internal static unsafe void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal, KernelIsa isa)
    {
        if (batch == 0 || heads == 0 || queryLength == 0)
        {
            return;
        }

        var shape = new HeadShape(qStride, kStride, vStride, oStride, queryLength, keyLength, headDim, causal);
        fixed (float* qp = q, kp = k, vp = v, op = o)
        {
            nint qa = (nint)qp, ka = (nint)kp, va = (nint)vp, oa = (nint)op;
            long work = 2L * queryLength * keyLength * headDim;
            KernelParallel.For(batch * heads, work, bh =>
                Head((float*)qa, (float*)ka, (float*)va, (float*)oa, bh / heads, bh % heads, in shape, isa));
        }
    }

    private static void CheckOperand(int length, int stride, string name, string strideName, int batch, int rows, long width)
    {
        if (stride < width)
        {
            throw new ArgumentException($"{strideName} is {stride} but heads*headDim is {width}; rows would overlap.", strideName);
        }

        long rowCount = (long)batch * rows;
        long needed = rowCount == 0 ? 0 : ((rowCount - 1) * stride) + width;
        KernelArgs.Length(length, needed, name, $"{rowCount} rows of stride {stride} and width {width}");
    }

    private static unsafe void Head(float* q, float* k, float* v, float* o, int b, int h, in HeadShape s, KernelIsa isa)
    {
        int tq = s.QueryLength, tk = s.KeyLength, hd = s.HeadDim;
        float[] scratch = KernelScratch.Get((hd * tk) + tk + hd);
        fixed (float* kT = scratch)
        {
            float* scores = kT + ((nint)hd * tk);
            float* qs = scores + tk;
            float scale = 1f / MathF.Sqrt(hd);

            // kT: [headDim, keyLength], so a query's scores are headDim contiguous multiply-adds.
            for (int j = 0; j < tk; j++)
            {
                float* kRow = k + ((((nint)b * tk) + j) * s.KStride) + ((nint)h * hd);
                for (int d = 0; d < hd; d++)
                {
                    kT[((nint)d * tk) + j] = kRow[d];
                }
            }

            for (int i = 0; i < tq; i++)
            {
                int visible = s.Causal ? i + 1 : tk;
                float* qRow = q + ((((nint)b * tq) + i) * s.QStride) + ((nint)h * hd);
                for (int d = 0; d < hd; d++)
                {
                    qs[d] = qRow[d] * scale;
                }

                new Span<float>(scores, visible).Clear();
                for (int d = 0; d < hd; d++)
                {
                    VectorOps.MultiplyAdd(ref *scores, ref kT[(nint)d * tk], visible, qs[d], isa);
                }

                float max = VectorOps.Max(ref *scores, visible, isa);
                float sum = VectorOps.ExpShiftSum(ref *scores, ref *scores, visible, max, isa);

                float* oRow = o + ((((nint)b * tq) + i) * s.OStride) + ((nint)h * hd);
                new Span<float>(oRow, hd).Clear();
                for (int j = 0; j < visible; j++)
                {
                    float* vRow = v + ((((nint)b * tk) + j) * s.VStride) + ((nint)h * hd);
                    VectorOps.MultiplyAdd(ref *oRow, ref *vRow, hd, scores[j], isa);
                }

                VectorOps.Scale(ref *oRow, hd, 1f / sum, isa);
            }
        }
    }

    private readonly struct HeadShape(
        int qStride, int kStride, int vStride, int oStride, int queryLength, int keyLength, int headDim, bool causal)
    {
        public int QStride { get; } = qStride;

        public int KStride { get; } = kStride;

        public int VStride { get; } = vStride;

        public int OStride { get; } = oStride;

        public int QueryLength { get; } = queryLength;

        public int KeyLength { get; } = keyLength;

        public int HeadDim { get; } = headDim;

        public bool Causal { get; } = causal;
    }
}
