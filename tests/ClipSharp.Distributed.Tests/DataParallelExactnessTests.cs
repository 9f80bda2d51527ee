using ClipSharp.Checkpoints;
using ClipSharp.Layers;
using ClipSharp.Models;
using ClipSharp.Tests.Models;

namespace ClipSharp.Distributed.Tests;

/// <summary>
/// 2 and 3 ranks under mpirun, one compute thread each, on the golden ViT's global batch, against one process on the
/// same batch: the 4-step loss trajectory, and the parameters after 3 steps, within 1e-5; with and without gradient
/// caching. Every rank must also hold the same parameters as every other.
/// </summary>
/// <remarks>
/// One slice is held to a looser bound: the key bias of every attention (the middle third of <c>in_proj_bias</c>).
/// A key bias adds q·b_k to every logit of a query's row, which the softmax cancels, so its true gradient is exactly
/// zero and what the backward computes for it is rounding noise (about 1e-10). AdamW divides the moment by its own
/// root mean square, so it turns that noise into steps of up to lr·|g|/ε, and any change in the order of the sums
/// (one process against ranks) moves those entries differently by some 1e-5. They are checked to stay within 1e-4,
/// far below the lr·steps that a real gradient would move them.
/// </remarks>
public sealed class DataParallelExactnessTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private const double NoiseTolerance = 1e-4;
    private readonly GoldenJob _job = new();

    public void Dispose() => _job.Dispose();

    [Theory]
    [InlineData(2, null)]
    [InlineData(3, null)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public void RanksMatchOneProcess(int ranks, int? chunk)
    {
        MpiJob.RequireMpirun();
        string model = _job.ModelFolder;
        string inputs = GoldenJob.Inputs;
        string chunkArg = chunk?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";

        var (oneLosses3, oneParams3) = Single(model, inputs, 3, chunkArg, "one3");
        var (oneLosses4, _) = Single(model, inputs, 4, chunkArg, "one4");
        string many3 = _job.Folder("many3");
        string many4 = _job.Folder("many4");
        Check(MpiJob.Ranks(ranks, model, inputs, "3", chunkArg, many3));
        Check(MpiJob.Ranks(ranks, model, inputs, "4", chunkArg, many4));

        var (losses4, _) = Read(many4, 0);
        double lossDiff = MaxDiff(oneLosses4, losses4);
        var (_, params3) = Read(many3, 0);
        bool[] noise = KeyBiases();
        double paramDiff = MaxDiff(oneParams3, params3, noise, false);
        double noiseDiff = MaxDiff(oneParams3, params3, noise, true);
        output.WriteLine($"{ranks} ranks, chunk {chunkArg}: losses {string.Join(", ", losses4)} vs {string.Join(", ", oneLosses4)}");
        output.WriteLine($"max |Δ| loss trajectory {lossDiff:E2}, parameters after 3 steps {paramDiff:E2} over {params3.Length}, key biases {noiseDiff:E2}");
        Assert.True(lossDiff <= Tolerance, $"the loss trajectory differs from one process by {lossDiff}");
        Assert.True(paramDiff <= Tolerance, $"the parameters after 3 steps differ from one process by {paramDiff}");
        Assert.True(noiseDiff <= NoiseTolerance, $"the attention key biases after 3 steps differ from one process by {noiseDiff}");
        Assert.Equal(oneLosses3, oneLosses4[..3]);
        for (int r = 1; r < ranks; r++)
        {
            Assert.Equal(params3, Read(many3, r).Parameters);
        }
    }

    private (float[] Losses, float[] Parameters) Single(string model, string inputs, int steps, string chunk, string name)
    {
        string dir = _job.Folder(name);
        Check(MpiJob.Single(new Dictionary<string, string>(), model, inputs, steps.ToString(System.Globalization.CultureInfo.InvariantCulture), chunk, dir));
        return Read(dir, 0);
    }

    private void Check(MpiJob.Result result)
    {
        Assert.False(result.TimedOut, $"the job did not end within {MpiJob.Timeout}:\n{result.Output}");
        if (result.ExitCode != 0)
        {
            output.WriteLine(result.Output);
        }

        Assert.Equal(0, result.ExitCode);
    }

    private static (float[] Losses, float[] Parameters) Read(string dir, int rank)
    {
        using var file = SafeTensorsFile.Open(Path.Combine(dir, $"rank{rank}.safetensors"));
        return (file.ReadTensor("losses").ToArray(), file.ReadTensor("parameters").ToArray());
    }

    private static double MaxDiff(float[] expected, float[] actual, bool[]? mask = null, bool masked = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (mask is null || mask[i] == masked)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }
        }

        return worst;
    }

    // The entries whose true gradient is zero: the key third of each attention's packed q, k, v bias.
    private static bool[] KeyBiases()
    {
        ClipModel model = GoldenModel.Load("vit_tiny").CreateModel();
        var mask = new bool[model.Parameters.Data.Length];
        foreach (Parameter p in model.Parameters.Layout.Entries.Where(e => e.Name.EndsWith("attn.in_proj_bias", StringComparison.Ordinal)))
        {
            int width = p.Length / 3;
            mask.AsSpan(checked((int)p.Offset) + width, width).Fill(true);
        }

        return mask;
    }
}
