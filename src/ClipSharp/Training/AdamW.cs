using ClipSharp.Layers;

namespace ClipSharp.Training;

/// <summary>
/// AdamW with decoupled weight decay, element by element in float32 in the order of torch 1.13's single-tensor
/// implementation (decay, moments, bias corrections as double scalars used as float32), so a step reproduces the
/// reference to rounding. Two groups: every tensor of two or more dimensions decays, gains, biases and logit_scale
/// do not. The moments live in flat buffers of the parameter layout, ready for a checkpoint.
/// </summary>
public sealed class AdamW
{
    public AdamW(ParameterLayout layout, AdamWOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        Options = options ?? new AdamWOptions();
        ExpAvg = new float[layout.Count];
        ExpAvgSq = new float[layout.Count];
        Groups =
        [
            new ParameterGroup("decay", Options.WeightDecay, [.. layout.Entries.Where(Decays)]),
            new ParameterGroup("no_decay", 0.0, [.. layout.Entries.Where(p => !Decays(p))]),
        ];
    }

    public ParameterLayout Layout { get; }

    public AdamWOptions Options { get; }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>First moments, one per parameter element (layout order).</summary>
    public float[] ExpAvg { get; }

    /// <summary>Second moments, one per parameter element (layout order).</summary>
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
    /// its moments stay as they are). parameters and gradients are flat buffers of <see cref="Layout"/>.
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

        foreach (ParameterGroup group in Groups)
        {
            float decay = (float)(1 - (learningRate * group.WeightDecay));
            foreach (Parameter p in group.Parameters)
            {
                if (frozen is not null && frozen(p))
                {
                    continue;
                }

                int offset = checked((int)p.Offset);
                Span<float> w = parameters.Slice(offset, p.Length);
                ReadOnlySpan<float> g = gradients.Slice(offset, p.Length);
                Span<float> m = ExpAvg.AsSpan(offset, p.Length);
                Span<float> v = ExpAvgSq.AsSpan(offset, p.Length);
                for (int i = 0; i < w.Length; i++)
                {
                    float param = group.WeightDecay != 0 ? w[i] * decay : w[i];
                    float mi = (m[i] * b1) + (oneMinusB1 * g[i]);
                    float vi = (v[i] * b2) + (oneMinusB2 * g[i] * g[i]);
                    m[i] = mi;
                    v[i] = vi;
                    float denom = (MathF.Sqrt(vi) / bc2Sqrt) + eps;
                    w[i] = param + (negStepSize * (mi / denom));
                }
            }
        }
    }
}
