using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Models;

namespace ClipSharp.Distributed.Tests;

/// <summary>
/// <c>mpirun -np 2 clip train</c> against <c>clip train</c>: the same losses, one report, run.json's world size; and a
/// run of 2 ranks resumed on 3 from its middle checkpoint ends as the uninterrupted run.
/// </summary>
public sealed class TrainCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-mpi-train-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void TwoRanksTrainAsOneProcess()
    {
        string data = Synth();
        MpiJob.Result one = MpiJob.Program(MpiJob.ClipDll, Train(data, "one"));
        Assert.True(one.ExitCode == 0, one.Output);
        MpiJob.Result two = MpiJob.Program(2, MpiJob.ClipDll, Train(data, "two"));
        output.WriteLine(two.Output);
        Assert.False(two.TimedOut);
        Assert.True(two.ExitCode == 0, two.Output);

        // Rank 0 alone reports: one summary line, one start line.
        Assert.Single(two.Output.Split('\n'), l => l.Contains("{\"steps\":", StringComparison.Ordinal));
        Assert.Single(two.Output.Split('\n'), l => l.Contains("over 2 ranks", StringComparison.Ordinal));
        using (JsonDocument run = JsonDocument.Parse(File.ReadAllText(Path.Combine(_temp.FullName, "two", "run.json"))))
        {
            Assert.Equal(2, run.RootElement.GetProperty("world_size").GetInt32());
        }

        float[] expected = Losses("one");
        float[] actual = Losses("two");
        output.WriteLine($"losses {string.Join(", ", actual)} vs one process {string.Join(", ", expected)}");
        AssertClose(expected, actual);
        AssertCommunicationLogged(two.Output);

        // The same global batch over another number of ranks: resume the 2-rank run from step 2 on 3 ranks.
        string resumed = Path.Combine(_temp.FullName, "resumed");
        CopyFolder(Path.Combine(_temp.FullName, "two"), resumed);
        Directory.Delete(Path.Combine(resumed, "checkpoints", "step-000004"), recursive: true);
        MpiJob.Result three = MpiJob.Program(3, MpiJob.ClipDll, "train", "--resume", "--out", resumed, "--threads", "1");
        Assert.False(three.TimedOut);
        Assert.True(three.ExitCode == 0, three.Output);
        float[] again = Losses("resumed");
        output.WriteLine($"resumed on 3 ranks: {string.Join(", ", again)}");
        AssertClose(expected, again);
    }

    /// <summary>
    /// <c>--zero1</c>: 2 ranks holding half the AdamW moments each train as one process, and their checkpoints hold the
    /// whole moments as one process writes them; so a run resumes with ZeRO-1 off on 3 ranks, and one process's run
    /// resumes with ZeRO-1 on over 3 ranks, both ending with the uninterrupted run's losses.
    /// </summary>
    [Fact]
    public void ZeroOneTrainsAsOneProcessAndResumesWithItOnOrOffOnAnotherNumberOfRanks()
    {
        string data = Synth();
        MpiJob.Result one = MpiJob.Program(MpiJob.ClipDll, Train(data, "one"));
        Assert.True(one.ExitCode == 0, one.Output);
        Succeed(MpiJob.Program(2, MpiJob.ClipDll, [.. Train(data, "zero"), "--zero1"]));
        float[] expected = Losses("one");
        AssertClose(expected, Losses("zero"));
        foreach (string name in (string[])["exp_avg", "exp_avg_sq"])
        {
            float[] whole = Moments("one", name);
            float[] gathered = Moments("zero", name);
            Assert.Equal(whole.Length, gathered.Length);
            // Relative to the value: the second moments are squares of gradients, as large as some 10¹.
            double diff = whole.Zip(gathered, (a, b) => Math.Abs(a - b) / (1.0 + Math.Abs(a))).Max();
            output.WriteLine($"{name}: {whole.Length} values up to {whole.Max(Math.Abs):G3}, max |Δ|/(1 + |value|) against one process {diff:E2}");
            Assert.True(diff <= 1e-5, $"the gathered {name} differs from one process's by {diff} relative to 1 + |value|");
        }

        // ZeRO-1 on, resumed off on 3 ranks; one process's run resumed with ZeRO-1 on 3 ranks.
        Resume("zero", "off3", []);
        Resume("one", "on3", ["--zero1"]);
        AssertClose(expected, Losses("off3"));
        AssertClose(expected, Losses("on3"));
    }

    private void Resume(string from, string to, string[] flags)
    {
        string resumed = Path.Combine(_temp.FullName, to);
        CopyFolder(Path.Combine(_temp.FullName, from), resumed);
        Directory.Delete(Path.Combine(resumed, "checkpoints", "step-000004"), recursive: true);
        Succeed(MpiJob.Program(3, MpiJob.ClipDll, ["train", "--resume", "--out", resumed, "--threads", "1", .. flags]));
    }

    private void Succeed(MpiJob.Result result)
    {
        output.WriteLine(result.Output);
        Assert.False(result.TimedOut);
        Assert.True(result.ExitCode == 0, result.Output);
    }

    private float[] Moments(string name, string tensor)
    {
        using var file = Checkpoints.SafeTensorsFile.Open(Path.Combine(_temp.FullName, name, "checkpoints", "step-000004", "optimizer.safetensors"));
        return file.ReadTensor(tensor).ToArray();
    }

    // Every step of the 2-rank run logs what rank 0's collectives took; one process logs no such fields.
    private void AssertCommunicationLogged(string jobOutput)
    {
        Assert.Single(jobOutput.Split('\n'), l => l.Contains("clip: communication on rank 0 of 2: ", StringComparison.Ordinal));
        Assert.All(TrainRecords("one"), r => Assert.False(r.TryGetProperty("comm_ms", out _)));

        // Rank 0's bytes per step, as a ring sends them (MeteredCommunicator): the gradient all-reduce of the P
        // parameters, 2·(N−1)/N·4P = 4P on 2 ranks; the row counts, 2 floats from each rank; the image and text
        // features, the other rank's 8 rows of E = 32 each; the feature-gradient reduce-scatter, the other rank's
        // 2·8·32 floats and loss slot.
        ClipCheckpoint final = ModelFolder.Load(Path.Combine(_temp.FullName, "two", "checkpoints", "step-000004"));
        long parameters = ClipModel.FromStateDict(final.Config, final.StateDict).Parameters.Data.Length;
        long bytes = (4 * parameters) + (2 * 4) + (2 * 4 * 8 * 32) + (4 * ((2 * 8 * 32) + 1));
        JsonElement[] records = TrainRecords("two");
        Assert.NotEmpty(records);
        foreach (JsonElement r in records)
        {
            Assert.Equal(bytes, r.GetProperty("comm_bytes").GetInt64());
            Assert.Equal(4, r.GetProperty("comm_calls").GetInt64() - BucketsOf(parameters));
            double comm = r.GetProperty("comm_ms").GetDouble();
            Assert.InRange(comm, double.Epsilon, r.GetProperty("step_ms").GetDouble());
        }
    }

    // The gradient all-reduce goes in buckets of 2^20 floats.
    private static long BucketsOf(long parameters) => (parameters + (1 << 20) - 1) >> 20;

    private JsonElement[] TrainRecords(string name) =>
        [.. File.ReadAllLines(Path.Combine(_temp.FullName, name, "log.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "train")];

    private string Synth()
    {
        MpiJob.RequireMpirun();
        string data = Path.Combine(_temp.FullName, "data");
        MpiJob.Result synth = MpiJob.Program(MpiJob.ClipDll, "data", "synth", "--out", data, "--count", "48", "--eval-per-class", "1");
        Assert.True(synth.ExitCode == 0, synth.Output);
        return data;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"step {i + 1}: {actual[i]} vs {expected[i]}");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private string[] Train(string data, string name) =>
    [
        "train", "--data", Path.Combine(data, "train.csv"), "--out", Path.Combine(_temp.FullName, name), "--embed-dim", "32", "--patch-size", "16",
        "--vision-width", "64", "--vision-layers", "1", "--text-width", "64", "--text-layers", "1", "--context-length", "12",
        "--batch", "16", "--steps", "4", "--lr", "1e-3", "--warmup", "1", "--workers", "1", "--augment", "--threads", "1", "--checkpoint-every", "2",
    ];

    private float[] Losses(string name) =>
        [.. File.ReadAllLines(Path.Combine(_temp.FullName, name, "log.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "train")
            .Select(e => e.GetProperty("loss").GetSingle())];
}
