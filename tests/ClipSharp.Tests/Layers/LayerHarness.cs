using ClipSharp.Layers;

namespace ClipSharp.Tests.Layers;

/// <summary>Builds a layer against fresh layouts, then binds and fills its tensors with seeded noise.</summary>
internal sealed class LayerHarness
{
    public LayerHarness(string prefix = "")
    {
        Scope = new ParameterScope(new ParameterLayout(), new ParameterLayout(), prefix);
    }

    public ParameterScope Scope { get; }

    public ParameterStore? Parameters { get; private set; }

    public ParameterStore? Buffers { get; private set; }

    public void Bind(int seed)
    {
        Parameters = ParameterStore.Allocate(Scope.Parameters);
        Buffers = ParameterStore.Allocate(Scope.Buffers);
        var random = new Random(seed);
        Fill(Parameters.Data, random, 0f);
        Fill(Buffers.Data, random, 0.5f);
    }

    public static float[] Random(int length, int seed)
    {
        var data = new float[length];
        Fill(data, new Random(seed), 0f);
        return data;
    }

    // Values in [offset - 1, offset + 1); a positive offset keeps running variances valid.
    private static void Fill(float[] data, Random random, float offset)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = offset + (float)((random.NextDouble() * 2) - 1);
        }
    }
}
