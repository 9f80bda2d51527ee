namespace ClipSharp.Tensors.Kernels;

public static class Attention
{
    // Multi-head scaled dot-product attention (scale 1/√headDim), fused: per (batch, head) the keys
    // are transposed once into per-thread scratch, then each query row computes its scores into a
    // keyLength buffer (only keys j ≤ i when causal), a max-shifted softmax and the weighted sum of
    // values, with no T×T matrix ever formed. Parallel over batch×heads; no allocation per call
    // once the per-thread scratch has grown.
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
        int count = batch * heads;
        long work = 2L * queryLength * keyLength * headDim;
        fixed (float* qp = q, kp = k, vp = v, op = o)
        {
            if (KernelParallel.RunsInline(count, work))
            {
                for (int bh = 0; bh < count; bh++)
                {
                    Head(qp, kp, vp, op, bh / heads, bh % heads, in shape, isa);
                }
            }
            else
            {
                ForkHeads(qp, kp, vp, op, count, heads, work, shape, isa);
            }
        }
    }

    // Kept apart so the closure is only allocated when work is actually forked.
    private static unsafe void ForkHeads(float* q, float* k, float* v, float* o, int count, int heads, long work, HeadShape shape, KernelIsa isa)
    {
        nint qa = (nint)q, ka = (nint)k, va = (nint)v, oa = (nint)o;
        KernelParallel.For(count, work, bh =>
            Head((float*)qa, (float*)ka, (float*)va, (float*)oa, bh / heads, bh % heads, in shape, isa));
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
        int ldk = AttentionTiles.PaddedKeys(tk);
        float[] scratch = KernelScratch.Get((hd * ldk) + (tk * hd) + ldk + hd);
        fixed (float* kT = scratch)
        {
            float* vHead = kT + ((nint)hd * ldk);
            float* scores = vHead + ((nint)tk * hd);
            float* qs = scores + ldk;
            float scale = 1f / MathF.Sqrt(hd);

            // kT: [headDim, ldk], zero-padded past keyLength. vHead: [keyLength, headDim], a dense
            // copy: in a packed QKV buffer value rows sit 3W floats apart, often a multiple of 4 KiB,
            // and would all contend for the same cache sets.
            for (int j = 0; j < tk; j++)
            {
                float* kRow = k + ((((nint)b * tk) + j) * s.KStride) + ((nint)h * hd);
                for (int d = 0; d < hd; d++)
                {
                    kT[((nint)d * ldk) + j] = kRow[d];
                }

                float* vRow = v + ((((nint)b * tk) + j) * s.VStride) + ((nint)h * hd);
                new ReadOnlySpan<float>(vRow, hd).CopyTo(new Span<float>(vHead + ((nint)j * hd), hd));
            }

            for (int d = 0; d < hd; d++)
            {
                new Span<float>(kT + ((nint)d * ldk) + tk, ldk - tk).Clear();
            }

            for (int i = 0; i < tq; i++)
            {
                // Causal rows stop at key i: later keys are never visited (beyond idle lanes of the last vector).
                int visible = s.Causal ? i + 1 : tk;
                float* qRow = q + ((((nint)b * tq) + i) * s.QStride) + ((nint)h * hd);
                for (int d = 0; d < hd; d++)
                {
                    qs[d] = qRow[d] * scale;
                }

                AttentionTiles.Scores(kT, ldk, qs, hd, scores, visible, isa);
                float max = VectorOps.Max(ref *scores, visible, isa);
                float sum = VectorOps.ExpShiftSum(ref *scores, ref *scores, visible, max, isa);
                float* oRow = o + ((((nint)b * tq) + i) * s.OStride) + ((nint)h * hd);
                AttentionTiles.WeightedSum(scores, visible, vHead, hd, hd, 1f / sum, oRow, isa);
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
