using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Tensors.Kernels;

public static class Attention
{
    // Multi-head scaled dot-product attention (scale 1/√headDim), fused: per (batch, head) the keys
    // are transposed once into per-thread scratch, then blocks of AttentionTiles.Rows query rows compute
    // their scores into a Rows×keyLength buffer (only up to the block's last row's keys when causal),
    // a max-shifted softmax per row and the weighted sum of values, with no T×T matrix ever formed.
    // Every row's output is the same bits whatever the block, query length or thread split.
    // Parallel over batch×heads (runs of heads, or shares of one head's row blocks when heads are
    // few); no allocation per call once the per-thread scratch has grown, except the closure when forking.
    // Layout as in AttentionReference: element (b, t, h, d) at [(b*T + t)*stride + h*headDim + d],
    // so q/k/v may be column slices of one packed [B*T, 3W] buffer.
    // q: [B, queryLength, heads, headDim]; k, v: [B, keyLength, heads, headDim]; o like q.
    public static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal)
    {
        CheckOperands(q.Length, qStride, k.Length, kStride, v.Length, vStride, o.Length, oStride, batch, heads, queryLength, keyLength, headDim, causal);
        Forward(q, qStride, k, kStride, v, vStride, o, oStride, default, batch, heads, queryLength, keyLength, headDim, causal, KernelIsas.Best, Parallelism.MaxThreads);
    }

    /// <summary>
    /// As the overload without it, also writing into <paramref name="probabilities"/> [B, heads, queryLength, keyLength]
    /// each row's softmax probabilities, the weights its output was formed with (keys a causal row does not see get 0).
    /// The training forward keeps them for <see cref="AttentionBackward"/>; o gets the same bits either way.
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride, Span<float> probabilities,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal)
    {
        CheckOperands(q.Length, qStride, k.Length, kStride, v.Length, vStride, o.Length, oStride, batch, heads, queryLength, keyLength, headDim, causal);
        KernelArgs.Length(
            probabilities.Length, (long)batch * heads * queryLength * keyLength, nameof(probabilities),
            $"[B={batch}, heads={heads}, queryLength={queryLength}, keyLength={keyLength}]");
        Forward(q, qStride, k, kStride, v, vStride, o, oStride, probabilities, batch, heads, queryLength, keyLength, headDim, causal, KernelIsas.Best, Parallelism.MaxThreads);
    }

    private static void CheckOperands(
        int qLength, int qStride, int kLength, int kStride, int vLength, int vStride, int oLength, int oStride,
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
        CheckOperand(qLength, qStride, "q", nameof(qStride), batch, queryLength, width);
        CheckOperand(kLength, kStride, "k", nameof(kStride), batch, keyLength, width);
        CheckOperand(vLength, vStride, "v", nameof(vStride), batch, keyLength, width);
        CheckOperand(oLength, oStride, "o", nameof(oStride), batch, queryLength, width);
    }

    internal static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal, KernelIsa isa)
        => Forward(q, qStride, k, kStride, v, vStride, o, oStride, default, batch, heads, queryLength, keyLength, headDim, causal, isa, Parallelism.MaxThreads);

    internal static void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal, KernelIsa isa, int threads)
        => Forward(q, qStride, k, kStride, v, vStride, o, oStride, default, batch, heads, queryLength, keyLength, headDim, causal, isa, threads);

    // threads: the thread count the work is split for (tests vary it to check that no split changes a bit).
    // probabilities: empty, or [B, heads, queryLength, keyLength] to be filled.
    internal static unsafe void Forward(
        ReadOnlySpan<float> q, int qStride, ReadOnlySpan<float> k, int kStride,
        ReadOnlySpan<float> v, int vStride, Span<float> o, int oStride, Span<float> probabilities,
        int batch, int heads, int queryLength, int keyLength, int headDim, bool causal, KernelIsa isa, int threads)
    {
        if (batch == 0 || heads == 0 || queryLength == 0)
        {
            return;
        }

        int count = batch * heads;
        int blocks = (queryLength + AttentionTiles.Rows - 1) / AttentionTiles.Rows;
        int chunks = Chunks(count, blocks, threads);

        // With many heads, an item is a run of consecutive heads, so that each can fetch the next one's
        // rows while it computes; still about 4 items per thread to balance the load.
        int group = chunks > 1 ? 1 : Math.Clamp(count / (4 * threads), 1, 8);
        int items = chunks > 1 ? count * chunks : (count + group - 1) / group;
        var shape = new HeadShape(qStride, kStride, vStride, oStride, heads, queryLength, keyLength, headDim, causal, chunks, group, count);
        long work = 2L * queryLength * keyLength * headDim * group / chunks;
        fixed (float* qp = q, kp = k, vp = v, op = o, pp = probabilities)
        {
            if (KernelParallel.RunsInline(items, work))
            {
                for (int item = 0; item < items; item++)
                {
                    Item(qp, kp, vp, op, pp, item, in shape, isa);
                }
            }
            else
            {
                ForkItems(qp, kp, vp, op, pp, items, work, shape, isa);
            }
        }
    }

    // Work items per (batch, head): 1, unless too few heads would leave threads idle (ViT at batch 1 on
    // 3 cores, one long sequence); then each head's row blocks are dealt round-robin over a few items,
    // which balances causal rows too, at the price of one more key transpose per item.
    private static int Chunks(int count, int blocks, int threads)
    {
        int chunks = 1;
        while (chunks < blocks && Imbalance(count * chunks, threads) > 1.2)
        {
            chunks++;
        }

        return chunks;
    }

    // The busiest thread's share over the mean share, with items dealt whole.
    private static double Imbalance(int items, int threads)
        => (double)((items + threads - 1) / threads) * threads / items;

    private static unsafe void ForkItems(float* q, float* k, float* v, float* o, float* p, int items, long work, HeadShape shape, KernelIsa isa)
        => KernelParallel.For(items, work, new Items(q, k, v, o, p, shape, isa));

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

    // One work item: a share of one head's row blocks, or a run of whole heads.
    private static unsafe void Item(float* q, float* k, float* v, float* o, float* p, int item, in HeadShape s, KernelIsa isa)
    {
        if (s.Chunks > 1)
        {
            Head(q, k, v, o, p, item / s.Chunks, item % s.Chunks, first: true, next: -1, in s, isa);
            return;
        }

        int start = item * s.Group, end = Math.Min(s.Count, start + s.Group);
        for (int bh = start; bh < end; bh++)
        {
            Head(q, k, v, o, p, bh, 0, first: bh == start, next: bh + 1 < end ? bh + 1 : -1, in s, isa);
        }
    }

    // Row blocks chunk, chunk + Chunks, ... of head bh. The first head of an item fetches its own rows;
    // every head fetches those of the item's next head. p: null, or the probabilities [B, heads, tq, tk] to write.
    private static unsafe void Head(float* q, float* k, float* v, float* o, float* p, int bh, int chunk, bool first, int next, in HeadShape s, KernelIsa isa)
    {
        const int R = AttentionTiles.Rows;
        int b = bh / s.Heads, h = bh % s.Heads;
        int tq = s.QueryLength, tk = s.KeyLength, hd = s.HeadDim;
        int ldk = AttentionTiles.PaddedKeys(tk);
        float[] scratch = KernelScratch.Get((hd * ldk) + (tk * hd) + (R * ldk) + (2 * R * hd));
        fixed (float* kT = scratch)
        {
            float* vHead = kT + ((nint)hd * ldk);
            float* scores = vHead + ((nint)tk * hd);
            float* qs = scores + ((nint)R * ldk);
            float* acc = qs + ((nint)R * hd);
            Span<float> inverse = stackalloc float[R];
            float scale = 1f / MathF.Sqrt(hd);
            if (first)
            {
                PrefetchHead(q, k, v, bh, in s);
            }

            if (next >= 0)
            {
                PrefetchHead(q, k, v, next, in s);
            }

            AttentionKeys.Load(k + ((nint)b * tk * s.KStride) + ((nint)h * hd), s.KStride, tk, hd, kT, ldk, isa);

            // vHead: [keyLength, headDim], a dense copy: in a packed QKV buffer value rows sit 3W floats
            // apart, often a multiple of 4 KiB, and would all contend for the same cache sets.
            for (int j = 0; j < tk; j++)
            {
                float* vRow = v + ((((nint)b * tk) + j) * s.VStride) + ((nint)h * hd);
                new ReadOnlySpan<float>(vRow, hd).CopyTo(new Span<float>(vHead + ((nint)j * hd), hd));
            }

            int blocks = (tq + R - 1) / R;
            for (int block = chunk; block < blocks; block += s.Chunks)
            {
                int i0 = block * R;
                int n = Math.Min(R, tq - i0);

                // A short last block repeats its last row; the copies' results are dropped.
                for (int r = 0; r < R; r++)
                {
                    float* qRow = q + ((((nint)b * tq) + i0 + Math.Min(r, n - 1)) * s.QStride) + ((nint)h * hd);
                    AttentionTiles.ScaleTo(qRow, qs + ((nint)r * hd), hd, scale, isa);
                }

                // Causal row i sees keys j ≤ i: the block computes scores up to its last row's keys,
                // and each row reads only its own.
                AttentionTiles.Scores(kT, ldk, qs, hd, scores, ldk, s.Causal ? i0 + n : tk, isa);
                for (int r = 0; r < n; r++)
                {
                    inverse[r] = 1f / AttentionSoftmax.ExpInPlace(scores + ((nint)r * ldk), s.Causal ? i0 + r + 1 : tk, isa);
                }

                if (p is not null)
                {
                    StoreProbabilities(scores, ldk, inverse, p + ((((nint)bh * tq) + i0) * tk), n, i0, tk, s.Causal, isa);
                }

                // Keys every row of the block sees, for all rows at once; then each later causal row
                // carries on alone over its extra keys.
                int common = s.Causal ? i0 + 1 : tk;
                AttentionTiles.Accumulate(scores, ldk, R, 0, common, vHead, hd, acc, zero: true, isa);
                for (int r = 1; s.Causal && r < n; r++)
                {
                    AttentionTiles.Accumulate(scores + ((nint)r * ldk), ldk, 1, common, i0 + r + 1, vHead, hd, acc + ((nint)r * hd), zero: false, isa);
                }

                for (int r = 0; r < n; r++)
                {
                    float* oRow = o + ((((nint)b * tq) + i0 + r) * s.OStride) + ((nint)h * hd);
                    AttentionTiles.ScaleTo(acc + ((nint)r * hd), oRow, hd, inverse[r], isa);
                }
            }
        }
    }

    // Rows i0 .. i0 + n of a head's [tq, tk] probabilities: the exponentials times the inverse of their sum, as the
    // output is scaled; a causal row's unseen keys are 0.
    private static unsafe void StoreProbabilities(float* scores, int ldk, ReadOnlySpan<float> inverse, float* p, int n, int i0, int tk, bool causal, KernelIsa isa)
    {
        for (int r = 0; r < n; r++)
        {
            int visible = causal ? i0 + r + 1 : tk;
            float* row = p + ((nint)r * tk);
            AttentionTiles.ScaleTo(scores + ((nint)r * ldk), row, visible, inverse[r], isa);
            new Span<float>(row + visible, tk - visible).Clear();
        }
    }

    private static unsafe void PrefetchHead(float* q, float* k, float* v, int bh, in HeadShape s)
    {
        int b = bh / s.Heads, h = bh % s.Heads;
        int tq = s.QueryLength, tk = s.KeyLength, hd = s.HeadDim;
        Prefetch(q + ((nint)b * tq * s.QStride) + ((nint)h * hd), s.QStride, tq, hd);
        Prefetch(k + ((nint)b * tk * s.KStride) + ((nint)h * hd), s.KStride, tk, hd);
        Prefetch(v + ((nint)b * tk * s.VStride) + ((nint)h * hd), s.VStride, tk, hd);
    }

    // A head's rows are strided slices of a buffer that is usually far larger than the caches; asking
    // for all their lines at once lets the misses overlap instead of arriving one row at a time.
    private static unsafe void Prefetch(float* x, int stride, int rows, int width)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            float* row = x + ((nint)r * stride);
            for (int c = 0; c < width; c += 16)
            {
                Sse.Prefetch0(row + c);
            }

            Sse.Prefetch0(row + width - 1);
        }
    }

    private readonly struct HeadShape(
        int qStride, int kStride, int vStride, int oStride, int heads, int queryLength, int keyLength, int headDim, bool causal, int chunks, int group, int count)
    {
        public int QStride { get; } = qStride;

        public int KStride { get; } = kStride;

        public int VStride { get; } = vStride;

        public int OStride { get; } = oStride;

        public int Heads { get; } = heads;

        public int QueryLength { get; } = queryLength;

        public int KeyLength { get; } = keyLength;

        public int HeadDim { get; } = headDim;

        public bool Causal { get; } = causal;

        public int Chunks { get; } = chunks;

        public int Group { get; } = group;

        public int Count { get; } = count;
    }

    // The forked loop body: a struct carrying the operands, so forking allocates nothing.
    private readonly unsafe struct Items(float* q, float* k, float* v, float* o, float* p, HeadShape shape, KernelIsa isa) : IForkBody
    {
        public void Run(int item) => Item(q, k, v, o, p, item, in shape, isa);
    }
}
