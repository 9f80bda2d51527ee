namespace ClipSharp.Generation;

/// <summary>The seeded draws of one generation: uniform for the views, normal for the start and the noise.</summary>
internal sealed class GenerationRandom(int seed)
{
    private readonly Random _random = new(seed);
    private float? _spare;

    public double Uniform(double min, double max) => min + ((max - min) * _random.NextDouble());

    /// <summary>A standard normal draw (Marsaglia's polar method, which yields two at a time).</summary>
    public float Normal()
    {
        if (_spare is float kept)
        {
            _spare = null;
            return kept;
        }

        double u, v, s;
        do
        {
            u = (2 * _random.NextDouble()) - 1;
            v = (2 * _random.NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        double factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spare = (float)(v * factor);
        return (float)(u * factor);
    }
}
