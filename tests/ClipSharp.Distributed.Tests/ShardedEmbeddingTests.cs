using System.Text.Json;
using ClipSharp.Bulk;
using ClipSharp.Search;
using ClipSharp.Testing;
using ClipSharp.Tests.Bulk;
using ClipSharp.Tests.Search;

namespace ClipSharp.Distributed.Tests;

/// <summary>
/// <c>mpirun -np 2 clip embed --format clip-retrieval</c> (of files, texts and webdataset shards) and
/// <c>mpirun -np 2 clip index add</c> against one process: the union of the ranks' work is the one process's, id for
/// id and bit for bit, nothing twice or missing.
/// </summary>
public sealed class ShardedEmbeddingTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-mpi-embed-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void TheClipRetrievalShardsOfTwoRanksAreOneProcessesOutputAndARerunWritesOnlyTheMissingShare()
    {
        MpiJob.RequireMpirun();
        List<string> images = GeneratedImages.WriteFolder(Folder("photos"), 9);
        string[] imageArgs = ["-i", .. images];
        string[] texts = ["a cat", "a photo of two dogs", "a red square", "the sea at night", "an apple"];
        string[] textArgs = ["-t", .. texts];

        Run(1, Embed(imageArgs, "one"));
        Run(2, Embed(imageArgs, "two"));
        Dictionary<string, float[]> one = ReadRows(Folder("one"), 1, "img_emb", ClipRetrievalOutput.ImagePathColumn);
        Dictionary<string, float[]> two = ReadRows(Folder("two"), 2, "img_emb", ClipRetrievalOutput.ImagePathColumn);
        Assert.Equal(images.Order(StringComparer.Ordinal), one.Keys.Order(StringComparer.Ordinal));
        AssertSameRows(one, two);

        // Rank 1 lost its files (it crashed before writing them): the rerun writes them and leaves rank 0's alone.
        File.Delete(ClipRetrievalOutput.ImageEmbeddings(Folder("two"), 1));
        File.Delete(ClipRetrievalOutput.Metadata(Folder("two"), 1));
        DateTime written = File.GetLastWriteTimeUtc(ClipRetrievalOutput.Metadata(Folder("two"), 0));
        MpiJob.Result rerun = Run(2, Embed(imageArgs, "two"));
        Assert.Single(rerun.Output.Split('\n'), l => l.Contains("rank 0 of 2: ", StringComparison.Ordinal) && l.Contains("already holds this share", StringComparison.Ordinal));
        Assert.Single(rerun.Output.Split('\n'), l => l.Contains("rank 1 of 2 wrote", StringComparison.Ordinal));
        Assert.Equal(written, File.GetLastWriteTimeUtc(ClipRetrievalOutput.Metadata(Folder("two"), 0)));
        AssertSameRows(one, ReadRows(Folder("two"), 2, "img_emb", ClipRetrievalOutput.ImagePathColumn));

        Run(1, Embed(textArgs, "one-texts"));
        Run(2, Embed(textArgs, "two-texts"));
        Dictionary<string, float[]> oneTexts = ReadRows(Folder("one-texts"), 1, "text_emb", ClipRetrievalOutput.CaptionColumn);
        Assert.Equal(texts.Order(StringComparer.Ordinal), oneTexts.Keys.Order(StringComparer.Ordinal));
        AssertSameRows(oneTexts, ReadRows(Folder("two-texts"), 2, "text_emb", ClipRetrievalOutput.CaptionColumn));
    }

    [Fact]
    public void WebDatasetShardsOnTwoRanksAreOneProcessesSamplesAndARerunWritesOnlyTheMissingShare()
    {
        MpiJob.RequireMpirun();
        WebDatasetShards.Write(Folder("shards"), 3, 3);
        Run(1, EmbedShards("one"));
        Run(2, EmbedShards("two"));
        Dictionary<string, (string Caption, float[] Row)> one = ReadSamples(Folder("one"), 1);
        Dictionary<string, (string Caption, float[] Row)> two = ReadSamples(Folder("two"), 2);
        Assert.Equal(9, one.Count);
        AssertSameSamples(one, two);

        // Rank 0 holds the first shard, rank 1 the other two: the rerun after rank 1 lost its files redoes only those.
        Assert.Equal(3, ParquetTestFile.ReadStrings(ClipRetrievalOutput.Metadata(Folder("two"), 0), ClipRetrievalOutput.KeyColumn).Length);
        File.Delete(ClipRetrievalOutput.ImageEmbeddings(Folder("two"), 1));
        File.Delete(ClipRetrievalOutput.Metadata(Folder("two"), 1));
        DateTime written = File.GetLastWriteTimeUtc(ClipRetrievalOutput.Metadata(Folder("two"), 0));
        MpiJob.Result rerun = Run(2, EmbedShards("two"));
        Assert.Single(rerun.Output.Split('\n'), l => l.Contains("rank 0 of 2: ", StringComparison.Ordinal) && l.Contains("already holds this share", StringComparison.Ordinal));
        Assert.Single(rerun.Output.Split('\n'), l => l.Contains("rank 1 of 2 wrote 6 x", StringComparison.Ordinal));
        Assert.Equal(written, File.GetLastWriteTimeUtc(ClipRetrievalOutput.Metadata(Folder("two"), 0)));
        AssertSameSamples(one, ReadSamples(Folder("two"), 2));
    }

    [Fact]
    public void IndexAddOnTwoRanksIsOneProcessesIndexAndARerunEmbedsOnlyWhatIsMissing()
    {
        MpiJob.RequireMpirun();
        string photos = Folder("photos");
        GeneratedImages.WriteFolder(Path.Combine(photos, "early"), 7);

        // A first run covers part of the collection; the rest arrives; the rerun embeds only what is missing.
        JsonElement first = Summary(Run(2, IndexAdd("two", photos)));
        Assert.Equal((7, 7), (first.GetProperty("added").GetInt32(), first.GetProperty("entries").GetInt32()));
        GeneratedImages.WriteFolder(Path.Combine(photos, "late"), 6, firstSeed: 100);
        JsonElement again = Summary(Run(2, IndexAdd("two", photos)));
        Assert.Equal((6, 0, 7, 13), (again.GetProperty("added").GetInt32(), again.GetProperty("updated").GetInt32(),
            again.GetProperty("unchanged").GetInt32(), again.GetProperty("entries").GetInt32()));

        Summary(Run(1, IndexAdd("one", photos)));
        AssertSameIndex(Folder("one"), Folder("two"), 13);
    }

    /// <summary>
    /// A rank SIGKILLed in the middle of <c>clip index add</c>: mpirun ends every rank and names the killed one, the
    /// batches rank 0 committed stay in an index that opens whole, and a rerun embeds only the files still missing.
    /// </summary>
    [Fact]
    public void IndexAddWithARankKilledEndsTheJobKeepsTheCommittedBatchesAndARerunCompletesOnlyTheRest()
    {
        MpiJob.RequireMpirun();
        const int Files = 60;
        string photos = Folder("photos");
        GeneratedImages.WriteFolder(photos, Files);
        string index = Folder("killed");
        string[] add = [.. IndexAdd("killed", photos)[..^4], "--batch", "1", "--json", photos];
        int killed = 0;
        MpiJob.Result result = MpiJob.Program(2, MpiJob.ClipDll, () => killed = KillRankOnceCommitted(index, rank: 1), add);
        output.WriteLine(result.Output);
        Assert.True(killed > 0, "the job ended before a batch was committed, so no rank was killed in the middle of it: " + result.Output);
        Assert.False(result.TimedOut, "the job hung after rank 1 was killed");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rank 1", result.Output, StringComparison.Ordinal);
        Assert.Contains("signal 9", result.Output, StringComparison.Ordinal);
        Assert.Empty(RankProcesses(index));

        int committed;
        using (SearchIndex partial = SearchIndex.Open(index))
        {
            committed = partial.Count;
            output.WriteLine($"{committed} of {Files} files committed when rank 1 was killed");
            Assert.InRange(committed, 2, Files - 1);
            Assert.Equal(committed, partial.Entries.Select(e => e.Source).Distinct(StringComparer.Ordinal).Count());
        }

        JsonElement rerun = Summary(Run(2, IndexAdd("killed", photos)));
        Assert.Equal((Files - committed, 0, committed, Files), (rerun.GetProperty("added").GetInt32(), rerun.GetProperty("updated").GetInt32(),
            rerun.GetProperty("unchanged").GetInt32(), rerun.GetProperty("entries").GetInt32()));
        Summary(Run(1, IndexAdd("one", photos)));
        AssertSameIndex(Folder("one"), index, Files);
    }

    // Waits until the index holds a committed batch (a reader may open it while rank 0 writes), then SIGKILLs the
    // given rank of the job writing it; returns the process id killed, 0 when the job ended first.
    private static int KillRankOnceCommitted(string index, int rank)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < MpiJob.Timeout)
        {
            List<(int Pid, int Rank)> ranks = RankProcesses(index);
            if (ranks.Count == 0 && clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                return 0;
            }

            if (CommittedEntries(index) >= 2 && ranks.FirstOrDefault(r => r.Rank == rank) is { Pid: > 0 } target)
            {
                using var process = System.Diagnostics.Process.GetProcessById(target.Pid);
                process.Kill();
                return target.Pid;
            }

            Thread.Sleep(10);
        }

        return 0;
    }

    private static int CommittedEntries(string index)
    {
        try
        {
            if (!SearchIndex.Exists(index))
            {
                return 0;
            }

            using SearchIndex open = SearchIndex.Open(index);
            return open.Count;
        }
        catch (Exception e) when (e is SearchIndexException or IOException)
        {
            // Nothing committed yet, or the catalog is being created.
            return 0;
        }
    }

    // The ranks of the job writing this index: processes whose command line names the index folder, with Open MPI's
    // rank variable in their environment.
    private static List<(int Pid, int Rank)> RankProcesses(string index)
    {
        var found = new List<(int, int)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                string command = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!command.Contains(index, StringComparison.Ordinal))
                {
                    continue;
                }

                string? variable = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0')
                    .FirstOrDefault(v => v.StartsWith("OMPI_COMM_WORLD_RANK=", StringComparison.Ordinal));
                if (variable is not null)
                {
                    found.Add((pid, int.Parse(variable["OMPI_COMM_WORLD_RANK=".Length..], System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return found;
    }

    // The same files with the same embeddings bit for bit and the same file facts, each once.
    private static void AssertSameIndex(string expectedFolder, string actualFolder, int count)
    {
        using SearchIndex expected = SearchIndex.Open(expectedFolder);
        using SearchIndex actual = SearchIndex.Open(actualFolder);
        Assert.Equal(count, expected.Count);
        Assert.Equal(expected.Entries.Select(e => e.Source).Order(StringComparer.Ordinal), actual.Entries.Select(e => e.Source).Order(StringComparer.Ordinal));
        Assert.Equal(actual.Count, actual.Entries.Select(e => e.Source).Distinct(StringComparer.Ordinal).Count());
        foreach (IndexEntry e in expected.Entries)
        {
            IndexEntry twin = actual.Entries.Single(a => a.Source == e.Source);
            Assert.Equal(expected.Embedding(e.Id).ToArray(), actual.Embedding(twin.Id).ToArray());
            Assert.Equal((e.Size, e.MtimeTicks, e.Hash, e.Width, e.Height), (twin.Size, twin.MtimeTicks, twin.Hash, twin.Width, twin.Height));
        }
    }

    private static void AssertSameSamples(Dictionary<string, (string Caption, float[] Row)> one, Dictionary<string, (string Caption, float[] Row)> two)
    {
        Assert.Equal(one.Keys.Order(StringComparer.Ordinal), two.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, (string caption, float[] row)) in one)
        {
            Assert.Equal(caption, two[key].Caption);
            Assert.Equal(row.Select(BitConverter.SingleToInt32Bits), two[key].Row.Select(BitConverter.SingleToInt32Bits));
        }
    }

    /// <summary>Every rank's rows of samples by key, with their captions; a key twice, or rows and metadata of different lengths, fail.</summary>
    private static Dictionary<string, (string Caption, float[] Row)> ReadSamples(string folder, int ranks)
    {
        var rows = new Dictionary<string, (string, float[])>(StringComparer.Ordinal);
        for (int r = 0; r < ranks; r++)
        {
            (float[] values, int count, int columns, _) = NpyTestFile.Read(ClipRetrievalOutput.ImageEmbeddings(folder, r));
            string[] keys = ParquetTestFile.ReadStrings(ClipRetrievalOutput.Metadata(folder, r), ClipRetrievalOutput.KeyColumn);
            string[] captions = ParquetTestFile.ReadStrings(ClipRetrievalOutput.Metadata(folder, r), ClipRetrievalOutput.CaptionColumn);
            Assert.Equal((count, count), (keys.Length, captions.Length));
            for (int i = 0; i < count; i++)
            {
                Assert.True(rows.TryAdd(keys[i], (captions[i], values[(i * columns)..((i + 1) * columns)])), $"{keys[i]} written twice");
            }
        }

        Assert.False(File.Exists(ClipRetrievalOutput.Metadata(folder, ranks)));
        return rows;
    }

    private static void AssertSameRows(Dictionary<string, float[]> one, Dictionary<string, float[]> two)
    {
        Assert.Equal(one.Keys.Order(StringComparer.Ordinal), two.Keys.Order(StringComparer.Ordinal));
        foreach ((string id, float[] row) in one)
        {
            // Bit for bit: the same floats, compared by their bits so that even a NaN would have to match.
            Assert.Equal(row.Select(BitConverter.SingleToInt32Bits), two[id].Select(BitConverter.SingleToInt32Bits));
        }
    }

    /// <summary>Every rank's rows by id; an id twice, a rank without rows, or rows and metadata of different lengths fail.</summary>
    private static Dictionary<string, float[]> ReadRows(string folder, int ranks, string kind, string column)
    {
        var rows = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int r = 0; r < ranks; r++)
        {
            (float[] values, int count, int columns, _) = NpyTestFile.Read(Path.Combine(folder, kind, $"{kind}_{r}.npy"));
            string[] ids = ParquetTestFile.ReadStrings(ClipRetrievalOutput.Metadata(folder, r), column);
            Assert.Equal(count, ids.Length);
            Assert.True(count > 0, $"rank {r} of {ranks} wrote no rows");
            for (int i = 0; i < count; i++)
            {
                Assert.True(rows.TryAdd(ids[i], values[(i * columns)..((i + 1) * columns)]), $"{ids[i]} written twice");
            }
        }

        Assert.False(File.Exists(ClipRetrievalOutput.Metadata(folder, ranks)));
        return rows;
    }

    private MpiJob.Result Run(int ranks, string[] args)
    {
        MpiJob.Result result = ranks == 1 ? MpiJob.Program(MpiJob.ClipDll, args) : MpiJob.Program(ranks, MpiJob.ClipDll, args);
        output.WriteLine(result.Output);
        Assert.False(result.TimedOut);
        Assert.True(result.ExitCode == 0, result.Output);
        return result;
    }

    private static JsonElement Summary(MpiJob.Result result)
    {
        // Rank 0 alone reports. Under mpirun a line may start with the terminal's escape sequences; the JSON follows them.
        string line = Assert.Single(result.Output.Split('\n'), l => l.Contains("{\"scanned\":", StringComparison.Ordinal));
        return JsonDocument.Parse(line[line.IndexOf("{\"scanned\":", StringComparison.Ordinal)..]).RootElement.Clone();
    }

    private string[] Embed(string[] inputs, string name) =>
        ["embed", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab, .. inputs, "--out", Folder(name), "--format", ClipRetrievalOutput.FormatName];

    private string[] EmbedShards(string name) =>
        ["embed", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab, "--webdataset", Path.Combine(Folder("shards"), "shard-*.tar"),
            "--out", Folder(name), "--format", ClipRetrievalOutput.FormatName];

    private string[] IndexAdd(string name, string photos) =>
        ["index", "add", "--model", Fixtures.TinyModel, "--vocab", Fixtures.TinyVocab, "--index", Folder(name), "--batch", "2", "--json", photos];

    private string Folder(string name) => Path.Combine(_temp.FullName, name);
}
