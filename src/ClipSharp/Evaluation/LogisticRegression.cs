namespace ClipSharp.Evaluation;

/// <summary>
/// Multinomial logistic regression with an L2 penalty on the weights (not the biases), fitted by L-BFGS: the classifier
/// of CLIP's linear-probe evaluation. Objective: mean cross-entropy + (λ/2)·‖W‖².
/// </summary>
public sealed class LogisticRegression
{
    private readonly double[] _w; // [C, D] then [C] biases

    private LogisticRegression(int classes, int features, double[] w, int iterations, double loss)
    {
        Classes = classes;
        Features = features;
        _w = w;
        Iterations = iterations;
        FinalLoss = loss;
    }

    public int Classes { get; }

    public int Features { get; }

    /// <summary>L-BFGS iterations taken.</summary>
    public int Iterations { get; }

    /// <summary>The objective at the solution.</summary>
    public double FinalLoss { get; }

    /// <summary>Fits on <paramref name="x"/> [N, D] (row-major) with labels 0 to <paramref name="classes"/>-1.</summary>
    public static LogisticRegression Fit(ReadOnlySpan<float> x, IReadOnlyList<int> y, int classes, double l2 = 1e-3, int maxIterations = 500, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(y);
        int n = y.Count;
        if (n == 0 || x.Length % n != 0 || x.Length == 0)
        {
            throw new ArgumentException($"features must be N × D values for the {n} labels (N >= 1), got {x.Length} values.", nameof(x));
        }

        if (classes < 2 || y.Any(l => l < 0 || l >= classes))
        {
            throw new ArgumentException($"labels must be 0 to {classes - 1}, with at least two classes.", nameof(y));
        }

        if (!(l2 >= 0) || double.IsInfinity(l2))
        {
            throw new ArgumentOutOfRangeException(nameof(l2), l2, "the L2 penalty must be finite and >= 0.");
        }

        int d = x.Length / n;
        double[] features = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            features[i] = x[i];
        }

        int[] labels = [.. y];
        var problem = new Objective(features, labels, n, d, classes, l2);
        var (w, iterations, loss) = Lbfgs.Minimize(problem.Evaluate, new double[(classes * d) + classes], maxIterations, tolerance);
        return new LogisticRegression(classes, d, w, iterations, loss);
    }

    /// <summary>The most probable class of each row of <paramref name="x"/> [N, D].</summary>
    public int[] Predict(ReadOnlySpan<float> x)
    {
        if (x.Length % Features != 0)
        {
            throw new ArgumentException($"features must be rows of {Features} values, got {x.Length} values.", nameof(x));
        }

        int n = x.Length / Features;
        var result = new int[n];
        var logits = new double[Classes];
        for (int i = 0; i < n; i++)
        {
            Objective.Logits(_w, x.Slice(i * Features, Features), Features, Classes, logits);
            int best = 0;
            for (int c = 1; c < Classes; c++)
            {
                if (logits[c] > logits[best])
                {
                    best = c;
                }
            }

            result[i] = best;
        }

        return result;
    }

    private sealed class Objective(double[] x, int[] y, int n, int d, int classes, double l2)
    {
        public static void Logits(double[] w, ReadOnlySpan<float> row, int d, int classes, double[] logits)
        {
            int biases = classes * d;
            for (int c = 0; c < classes; c++)
            {
                double s = w[biases + c];
                for (int k = 0; k < d; k++)
                {
                    s += w[(c * d) + k] * row[k];
                }

                logits[c] = s;
            }
        }

        // Mean cross-entropy + (λ/2)‖W‖² and its gradient.
        public double Evaluate(double[] w, double[] gradient)
        {
            Array.Clear(gradient);
            int biases = classes * d;
            var p = new double[classes];
            double loss = 0;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<double> row = x.AsSpan(i * d, d);
                double max = double.NegativeInfinity;
                for (int c = 0; c < classes; c++)
                {
                    double s = w[biases + c];
                    ReadOnlySpan<double> wc = w.AsSpan(c * d, d);
                    for (int k = 0; k < d; k++)
                    {
                        s += wc[k] * row[k];
                    }

                    p[c] = s;
                    max = Math.Max(max, s);
                }

                double sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    p[c] = Math.Exp(p[c] - max);
                    sum += p[c];
                }

                loss += Math.Log(sum) + max - (Math.Log(p[y[i]]) + max);
                for (int c = 0; c < classes; c++)
                {
                    double g = (p[c] / sum) - (c == y[i] ? 1 : 0);
                    Span<double> gc = gradient.AsSpan(c * d, d);
                    for (int k = 0; k < d; k++)
                    {
                        gc[k] += g * row[k];
                    }

                    gradient[biases + c] += g;
                }
            }

            double penalty = 0;
            for (int j = 0; j < gradient.Length; j++)
            {
                gradient[j] /= n;
                if (j < biases)
                {
                    gradient[j] += l2 * w[j];
                    penalty += w[j] * w[j];
                }
            }

            return (loss / n) + (0.5 * l2 * penalty);
        }
    }
}
