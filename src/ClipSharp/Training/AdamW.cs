using System.Numerics;
using ClipSharp.Distributed;
using ClipSharp.Layers;

namespace ClipSharp.Training;

/// <summary>
/// AdamW with decoupled weight decay, element by element in float32 in the order of torch 1.13's single-tensor
/// implementation (decay, moments, bias corrections as double scalars used as float32), so a step reproduces the
/// reference to rounding. Two groups: every tensor of two or more dimensions decays, gains, biases and logit_scale
/// do not. The moments live in flat buffers of the parameter layout, ready for a checkpoint.
/// </summary>
/// <remarks>
/// Sharded (ZeRO-1), the optimizer of rank r of N holds the moments of one contiguous slice of the layout's flat
/// buffer, elements [⌊r·P/N⌋, ⌊(r+1)·P/N⌋), and a step updates that slice alone; the update is element-wise, so the
/// slices together take exactly the step one whole optimizer takes.
/// </remarks>
public sealed class AdamW
{
    /// <param name="layout">The parameters it updates.</param>
    /// <param name="options">Betas, eps and weight decay.</param>
    /// <param name="shard">The slice of the layout's elements whose moments it holds and which it updates; default: all.</param>
    public AdamW(ParameterLayout layout, AdamWOptions? options = null, BatchShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        Options = options ?? new AdamWOptions();
        Shard = shard ?? BatchShard.Whole;
        Shard.Validate();
        int count = checked((int)layout.Count);
        ShardStart = Shard.Start(count);
        ShardLength = Shard.Count(count);
        ExpAvg = new float[ShardLength];
        ExpAvgSq = new float[ShardLength];
        Groups =
        [
            new ParameterGroup("decay", Options.WeightDecay, [.. layout.Entries.Where(Decays)]),
            new ParameterGroup("no_decay", 0.0, [.. layout.Entries.Where(p => !Decays(p))]),
        ];
    }

    private Segment[]? _segments;
    private Func<Parameter, bool>? _segmentsFrozen;

    public ParameterLayout Layout { get; }

    public AdamWOptions Options { get; }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Which slice of the layout's elements this optimizer holds and updates (<see cref="BatchShard.Whole"/>: all).</summary>
    public BatchShard Shard { get; }

    /// <summary>The first element of the layout this optimizer updates.</summary>
    public int ShardStart { get; }

    /// <summary>The elements this optimizer updates, from <see cref="ShardStart"/> on: the length of each moment buffer.</summary>
    public int ShardLength { get; }

    /// <summary>True when it holds the moments of a slice of the layout only.</summary>
    public bool IsSharded => ShardLength != Layout.Count;

    /// <summary>First moments, one per element of the slice (layout order, element <see cref="ShardStart"/> first).</summary>
    public float[] ExpAvg { get; }

    /// <summary>Second moments, one per element of the slice (layout order, element <see cref="ShardStart"/> first).</summary>
    public float[] ExpAvgSq { get; }

    /// <summary>Steps taken so far (the bias corrections use StepCount after the increment).</summary>
    public long StepCount { get; set; }

    /// <summary>The CLIP paper's and open_clip's rule: decay every weight of two or more dimensions, nothing else.</summary>
    public static bool Decays(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        string n = parameter.Name;
        return parameter.Shape.Length >= 2
            && !n.Contains("bn", StringComparison.Ordinal) && !n.Contains("ln_", StringComparison.Ordinal)
            && !n.Contains("bias", StringComparison.Ordinal) && !n.Contains("logit_scale", StringComparison.Ordinal);
    }

    /// <summary>
    /// One update of every parameter not <paramref name="frozen"/> (a frozen one is neither decayed nor moved and
    /// its moments stay as they are). parameters and gradients are flat buffers of <see cref="Layout"/>; a sharded
    /// optimizer reads and writes only its slice of them.
    /// </summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, double learningRate, Func<Parameter, bool>? frozen = null)
    {
        if (parameters.Length != Layout.Count || gradients.Length != Layout.Count)
        {
            throw new ArgumentException(
                $"parameters ({parameters.Length}) and gradients ({gradients.Length}) must both hold the layout's {Layout.Count} values.",
                nameof(gradients));
        }

        if (!(learningRate >= 0) || double.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be finite and >= 0.");
        }

        StepCount++;
        double beta1 = Options.Beta1;
        double beta2 = Options.Beta2;
        float b1 = (float)beta1;
        float b2 = (float)beta2;
        float oneMinusB1 = (float)(1 - beta1);
        float oneMinusB2 = (float)(1 - beta2);
        double biasCorrection1 = 1 - Math.Pow(beta1, StepCount);
        double biasCorrection2 = 1 - Math.Pow(beta2, StepCount);
        float negStepSize = (float)-(learningRate / biasCorrection1);
        float bc2Sqrt = (float)Math.Sqrt(biasCorrection2);
        float eps = (float)Options.Eps;

        var constants = new UpdateConstants(b1, b2, oneMinusB1, oneMinusB2, negStepSize, bc2Sqrt, eps);
        Segment[] segments = Segments(frozen);
        unsafe
        {
            fixed (float* wp = parameters, gp = gradients, mp = ExpAvg, vp = ExpAvgSq)
            {
                // The moments are indexed from the slice's start, the parameters and gradients from the layout's.
                Tensors.Parallelism.For(
                    segments.Length, SegmentLength, new Updates(segments, wp, gp, mp - ShardStart, vp - ShardStart, learningRate, constants));
            }
        }
    }

    // The pieces one step updates, for this set of frozen parameters: large tensors are cut so that the threads
    // share them. Kept from the last step (a trainer always passes the same rule), so a step allocates nothing.
    private Segment[] Segments(Func<Parameter, bool>? frozen)
    {
        if (_segments is not null && ReferenceEquals(frozen, _segmentsFrozen))
        {
            return _segments;
        }

        var segments = new List<Segment>();
        foreach (ParameterGroup group in Groups)
        {
            foreach (Parameter p in group.Parameters)
            {
                if (frozen is not null && frozen(p))
                {
                    continue;
                }

                // The parameter's elements inside this optimizer's slice.
                int first = Math.Max(checked((int)p.Offset), ShardStart);
                int end = Math.Min(checked((int)p.Offset) + p.Length, ShardStart + ShardLength);
                for (int start = first; start < end; start += SegmentLength)
                {
                    segments.Add(new Segment(start, Math.Min(SegmentLength, end - start), group.WeightDecay));
                }
            }
        }

        _segmentsFrozen = frozen;
        return _segments = [.. segments];
    }

    private const int SegmentLength = 1 << 15;

    // The float32 operations of the scalar loop, in the same order (SIMD lanes round exactly as scalars do, and
    // nothing is fused), so the vector path gives the same bits.
    private static void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float? decay, UpdateConstants c)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            var b1 = new Vector<float>(c.B1);
            var b2 = new Vector<float>(c.B2);
            var oneMinusB1 = new Vector<float>(c.OneMinusB1);
            var oneMinusB2 = new Vector<float>(c.OneMinusB2);
            var negStep = new Vector<float>(c.NegStepSize);
            var bc2Sqrt = new Vector<float>(c.Bc2Sqrt);
            var eps = new Vector<float>(c.Eps);
            var decayV = new Vector<float>(decay ?? 1f);
            for (; i <= w.Length - width; i += width)
            {
                var wi = new Vector<float>(w[i..]);
                var gi = new Vector<float>(g[i..]);
                Vector<float> param = decay is null ? wi : wi * decayV;
                Vector<float> mi = (new Vector<float>(m[i..]) * b1) + (oneMinusB1 * gi);
                Vector<float> vi = (new Vector<float>(v[i..]) * b2) + (oneMinusB2 * gi * gi);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                Vector<float> denom = (Vector.SquareRoot(vi) / bc2Sqrt) + eps;
                (param + (negStep * (mi / denom))).CopyTo(w[i..]);
            }
        }

        for (; i < w.Length; i++)
        {
            float param = decay is float d ? w[i] * d : w[i];
            float mi = (m[i] * c.B1) + (c.OneMinusB1 * g[i]);
            float vi = (v[i] * c.B2) + (c.OneMinusB2 * g[i] * g[i]);
            m[i] = mi;
            v[i] = vi;
            float denom = (MathF.Sqrt(vi) / c.Bc2Sqrt) + c.Eps;
            w[i] = param + (c.NegStepSize * (mi / denom));
        }
    }

    private readonly record struct Segment(int Offset, int Length, double WeightDecay);

    // The forked loop body: one segment's update, its operands carried by value.
    private readonly unsafe struct Updates(Segment[] segments, float* w, float* g, float* m, float* v, double learningRate, UpdateConstants constants)
        : Tensors.IParallelBody
    {
        public void Run(int item)
        {
            Segment s = segments[item];
            Update(
                new Span<float>(w + s.Offset, s.Length), new ReadOnlySpan<float>(g + s.Offset, s.Length),
                new Span<float>(m + s.Offset, s.Length), new Span<float>(v + s.Offset, s.Length),
                s.WeightDecay != 0 ? (float)(1 - (learningRate * s.WeightDecay)) : null, constants);
        }
    }

    private readonly record struct UpdateConstants(float B1, float B2, float OneMinusB1, float OneMinusB2, float NegStepSize, float Bc2Sqrt, float Eps);
}
