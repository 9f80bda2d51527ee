using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Conversion;
using ClipSharp.Hub;
using ClipSharp.Testing;
using ClipSharp.Tests.Checkpoints;
using ClipSharp.Tests.IO;
using ClipSharp.Text;

namespace ClipSharp.Tests.Hub;

/// <summary><see cref="HubClient"/> against a loopback hub serving the golden Hugging Face folder.</summary>
public sealed class HubClientTests : IDisposable
{
    private const string Repo = "clipsharp/tiny-hf";

    private readonly TempFolder _temp = new();
    private readonly LoopbackHub _hub;

    public HubClientTests()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string path in Directory.GetFiles(Fixtures.GoldenPath("hf", "hf")))
        {
            files[Path.GetFileName(path)] = File.ReadAllBytes(path);
        }

        // The real vocabulary is not in the repository: serve tokenizer files made from the tiny one.
        string vocabFolder = Directory.CreateDirectory(_temp.File("vocab")).FullName;
        using (FileStream gz = File.OpenRead(Fixtures.TinyVocab))
        {
            HfTokenizerFiles.Write(ClipVocabulary.FromOpenAi(gz, Fixtures.TinyVocab), vocabFolder);
        }

        files["vocab.json"] = File.ReadAllBytes(Path.Combine(vocabFolder, "vocab.json"));
        files["merges.txt"] = File.ReadAllBytes(Path.Combine(vocabFolder, "merges.txt"));
        _hub = new LoopbackHub(Repo, files, new HashSet<string> { "model.safetensors" });
    }

    private string Target => _temp.File("pulled");

    public void Dispose()
    {
        _hub.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task PullsTheModelFilesThroughTheRedirectAndLoadsThem()
    {
        var reports = new List<HubProgress>();
        using var client = new HubClient(_hub.Endpoint);
        IReadOnlyList<string> files = await client.PullAsync(Repo, "main", Target, new SyncProgress(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(_hub.Files.Keys.Order(StringComparer.Ordinal), files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AssertServedFilesArrived();
        Assert.Contains("GET /cdn/model.safetensors", _hub.Requests);
        Assert.DoesNotContain(_hub.Requests, r => r.Contains("pytorch_model.bin", StringComparison.Ordinal) || r.Contains("onnx", StringComparison.Ordinal));
        Assert.Contains(reports, p => p.File == "model.safetensors" && p.Done == p.Total);

        ClipCheckpoint pulled = ModelFolder.Load(Target);
        ClipCheckpoint golden = ModelFolder.Load(Fixtures.GoldenPath("hf", "hf"), Target);
        GoldenWeights.AssertIdentical(golden.StateDict, pulled.StateDict);
    }

    [Fact]
    public async Task ASecondPullOfACompleteFolderMakesNoRequest()
    {
        using var client = new HubClient(_hub.Endpoint);
        await client.PullAsync(Repo, "main", Target, cancel: TestContext.Current.CancellationToken);
        int before = _hub.Requests.Length;
        _hub.Dispose();

        IReadOnlyList<string> again = await client.PullAsync(Repo, "main", Target, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(before, _hub.Requests.Length);
        Assert.Equal(_hub.Files.Count, again.Count);
    }

    [Fact]
    public async Task ADroppedConnectionResumesWithARangeRequest()
    {
        _hub.DropOnce.Add("model.safetensors");
        _hub.DropOnce.Add("vocab.json");
        using var client = new HubClient(_hub.Endpoint);
        await client.PullAsync(Repo, "main", Target, cancel: TestContext.Current.CancellationToken);

        AssertServedFilesArrived();
        int half = _hub.Files["model.safetensors"].Length / 2;
        Assert.Contains($"GET /cdn/model.safetensors bytes={half}-", _hub.Requests);
        Assert.Contains(_hub.Requests, r => r.StartsWith($"GET /{Repo}/resolve/main/vocab.json bytes=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACorruptedFileIsDetectedByItsHashAndFetchedAgain()
    {
        _hub.Corrupt["model.safetensors"] = 1;
        _hub.Corrupt["config.json"] = 1;
        using var client = new HubClient(_hub.Endpoint);
        await client.PullAsync(Repo, "main", Target, cancel: TestContext.Current.CancellationToken);

        AssertServedFilesArrived();
        Assert.Equal(2, _hub.Requests.Count(r => r == "GET /cdn/model.safetensors"));
        Assert.Equal(2, _hub.Requests.Count(r => r == $"GET /{Repo}/resolve/main/config.json"));
    }

    [Fact]
    public async Task AFileCorruptedEveryTimeIsReportedAndNotKept()
    {
        _hub.Corrupt["model.safetensors"] = 100;
        using var client = new HubClient(_hub.Endpoint);
        var e = await Assert.ThrowsAsync<HubException>(() => client.PullAsync(Repo, "main", Target, cancel: TestContext.Current.CancellationToken));
        Assert.Contains($"{Repo}@main: model.safetensors failed its sha256 check twice", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Target, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(Target, ".model.safetensors.part")));
        Assert.False(File.Exists(Path.Combine(Target, HubClient.CompleteMarker)));
    }

    [Fact]
    public async Task AMissingRepositoryNamesTheRepositoryAndFile()
    {
        using var client = new HubClient(_hub.Endpoint);
        var e = await Assert.ThrowsAsync<HubException>(() => client.PullAsync("nobody/missing", "main", Target, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("nobody/missing@main: config.json was not found (HTTP 404", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTheApiTheStandardFileNamesAreFetched()
    {
        _hub.ApiAvailable = false;
        using var client = new HubClient(_hub.Endpoint);
        IReadOnlyList<string> files = await client.PullAsync(Repo, "main", Target, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(_hub.Files.Keys.Order(StringComparer.Ordinal), files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AssertServedFilesArrived();
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b/c")]
    [InlineData("")]
    public void BadRepositoryNamesAreRefused(string repo)
        => Assert.Throws<ArgumentException>(() => HubClient.DefaultFolder(repo, "main"));

    private void AssertServedFilesArrived()
    {
        foreach (var (name, bytes) in _hub.Files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(Target, name)).AsSpan().SequenceEqual(bytes), $"{name} differs");
        }

        Assert.DoesNotContain(Directory.GetFiles(Target), f => f.EndsWith(".part", StringComparison.Ordinal));
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class SyncProgress(Action<HubProgress> report) : IProgress<HubProgress>
    {
        public void Report(HubProgress value) => report(value);
    }
}
