namespace ClipSharp.Evaluation;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, algorithm 7.4/7.5) with a backtracking line search on the Armijo condition:
/// enough for the smooth, convex objectives of the linear probe.
/// </summary>
internal static class Lbfgs
{
    private const int Memory = 10;

    /// <summary>
    /// Minimises f from x0: f writes the gradient at x into its second argument and returns the objective. Stops when
    /// the gradient norm or the relative change of the objective falls below the tolerance, or after maxIterations.
    /// Returns the minimiser, the iterations taken and the objective there.
    /// </summary>
    public static (double[] X, int Iterations, double Value) Minimize(Func<double[], double[], double> f, double[] x0, int maxIterations, double tolerance)
    {
        int n = x0.Length;
        double[] x = (double[])x0.Clone();
        var g = new double[n];
        double fx = f(x, g);
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var direction = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            if (Norm(g) <= tolerance * Math.Max(1, Norm(x)))
            {
                break;
            }

            // Two-loop recursion: direction = -H·g.
            Array.Copy(g, direction, n);
            var alpha = new double[s.Count];
            for (int i = s.Count - 1; i >= 0; i--)
            {
                alpha[i] = rho[i] * Dot(s[i], direction);
                Axpy(-alpha[i], y[i], direction);
            }

            double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1 / Math.Max(1, Norm(g));
            for (int i = 0; i < n; i++)
            {
                direction[i] *= gamma;
            }

            for (int i = 0; i < s.Count; i++)
            {
                double beta = rho[i] * Dot(y[i], direction);
                Axpy(alpha[i] - beta, s[i], direction);
            }

            for (int i = 0; i < n; i++)
            {
                direction[i] = -direction[i];
            }

            double slope = Dot(g, direction);
            if (slope >= 0)
            {
                // Not a descent direction (curvature information went stale): restart from steepest descent.
                s.Clear();
                y.Clear();
                rho.Clear();
                for (int i = 0; i < n; i++)
                {
                    direction[i] = -g[i];
                }

                slope = -Dot(g, g);
            }

            double step = 1;
            double fNew;
            while (true)
            {
                for (int i = 0; i < n; i++)
                {
                    xNew[i] = x[i] + (step * direction[i]);
                }

                fNew = f(xNew, gNew);
                if (fNew <= fx + (1e-4 * step * slope) || step < 1e-12)
                {
                    break;
                }

                step *= 0.5;
            }

            var sk = new double[n];
            var yk = new double[n];
            for (int i = 0; i < n; i++)
            {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }

            double sy = Dot(sk, yk);
            bool converged = Math.Abs(fx - fNew) <= tolerance * Math.Max(1, Math.Abs(fx));
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            fx = fNew;
            if (sy > 1e-12)
            {
                s.Add(sk);
                y.Add(yk);
                rho.Add(1 / sy);
                if (s.Count > Memory)
                {
                    s.RemoveAt(0);
                    y.RemoveAt(0);
                    rho.RemoveAt(0);
                }
            }

            if (converged)
            {
                iteration++;
                break;
            }
        }

        return (x, iteration, fx);
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }
}
