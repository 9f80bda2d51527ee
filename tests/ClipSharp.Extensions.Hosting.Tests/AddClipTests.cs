using ClipSharp.Hosting;
using ClipSharp.Search;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.ZeroShot;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClipSharp.Extensions.Hosting.Tests;

/// <summary><c>services.AddClip</c> as an app uses it: options from configuration, everything through the registered interfaces.</summary>
public sealed class AddClipTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-hosting-");
    private readonly LogSink _logs = new();

    public void Dispose() => _temp.Delete(recursive: true);

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(_logs));
        services.AddClip(configuration.GetSection(ClipOptions.SectionName));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Clip:ModelPath"] = Fixtures.TinyModel,
        ["Clip:Vocab"] = Fixtures.TinyVocab,
        ["Clip:Threads"] = Parallelism.MaxThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Clip:IndexPath"] = Path.Combine(_temp.FullName, "index"),
        ["Clip:Labels:0"] = "cat",
        ["Clip:Labels:1"] = "dog",
        ["Clip:Template"] = "single",
    };

    [Fact]
    public async Task TheGeneratorsShareOneModelLoadedOnceAndEmbedAsTheLibraryDoes()
    {
        using ServiceProvider provider = Build(Settings());
        var texts = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var images = provider.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
        Clip shared = provider.GetRequiredService<Clip>();
        Assert.Same(shared, texts.GetService(typeof(Clip)));
        Assert.Same(shared, images.GetService(typeof(Clip)));
        Assert.Single(_logs.Messages, m => m.StartsWith("Loaded ", StringComparison.Ordinal));

        Clip direct = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Embedding<float> text = (await texts.GenerateAsync(["a photo of a cat"], cancellationToken: TestContext.Current.CancellationToken))[0];
        Assert.Equal(direct.EncodeTexts(["a photo of a cat"]).ToArray(), text.Vector.ToArray());

        string png = Fixtures.GoldenPath("preprocess", "gray_333x250.png");
        var content = new DataContent(await File.ReadAllBytesAsync(png, TestContext.Current.CancellationToken), "image/png") { Name = "gray" };
        Embedding<float> image = (await images.GenerateAsync([content], cancellationToken: TestContext.Current.CancellationToken))[0];
        Assert.Equal(direct.EncodeImageFiles([png], cancellation: TestContext.Current.CancellationToken)[0].Embedding, image.Vector.ToArray());
    }

    [Fact]
    public void TheIndexerFillsTheIndexThatTheSearchIndexServiceOpensAndBothLog()
    {
        string photos = Directory.CreateDirectory(Path.Combine(_temp.FullName, "photos")).FullName;
        foreach (string name in new[] { "gray_333x250.png", "palette_160x120.png", "photo_q90_640x480.jpg" })
        {
            File.Copy(Fixtures.GoldenPath("preprocess", name), Path.Combine(photos, name));
        }

        using ServiceProvider provider = Build(Settings());
        IndexAddSummary summary = provider.GetRequiredService<ClipIndexer>().AddFolder(photos, TestContext.Current.CancellationToken);
        Assert.Equal(3, summary.Added);
        Assert.Contains(_logs.Messages, m => m == "Indexed 3 of 3 files");
        Assert.Contains(_logs.Messages, m => m.StartsWith($"Indexed {photos}: 3 added", StringComparison.Ordinal));

        SearchIndex index = provider.GetRequiredService<SearchIndex>();
        Clip clip = provider.GetRequiredService<Clip>();
        float[] query = clip.EncodeImageFiles([Path.Combine(photos, "palette_160x120.png")], cancellation: TestContext.Current.CancellationToken)[0].Embedding!;
        Assert.Equal(Path.Combine(photos, "palette_160x120.png"), index.Search(query, 1)[0].Source);
    }

    [Fact]
    public void TheClassifierUsesTheConfiguredLabelsAndTemplates()
    {
        using ServiceProvider provider = Build(Settings());
        ZeroShotClassifier classifier = provider.GetRequiredService<ZeroShotClassifier>();
        Assert.Equal(["cat", "dog"], classifier.Labels);
        Clip clip = provider.GetRequiredService<Clip>();
        Tensor expected = ZeroShotClassifier.Create(clip, ["cat", "dog"], PromptTemplates.Single).ClassEmbeddings;
        Assert.Equal(expected.ToArray(), classifier.ClassEmbeddings.ToArray());
    }

    [Fact]
    public void MissingSettingsAreClearErrorsNamingTheSetting()
    {
        Dictionary<string, string?> settings = Settings();
        settings.Remove("Clip:Labels:0");
        settings.Remove("Clip:Labels:1");
        settings.Remove("Clip:IndexPath");
        using (ServiceProvider provider = Build(settings))
        {
            Assert.Contains("Clip:Labels", Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ZeroShotClassifier>()).Message, StringComparison.Ordinal);
            Assert.Contains("Clip:IndexPath", Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<SearchIndex>()).Message, StringComparison.Ordinal);
        }

        settings.Remove("Clip:ModelPath");
        using ServiceProvider noModel = Build(settings);
        Assert.Contains("Clip:ModelPath", Assert.Throws<OptionsValidationException>(() => noModel.GetRequiredService<Clip>()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsCanAlsoComeFromCode()
    {
        var services = new ServiceCollection();
        services.AddClip(o =>
        {
            o.ModelPath = Fixtures.TinyModel;
            o.Vocab = Fixtures.TinyVocab;
        });
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Equal(32, provider.GetRequiredService<Clip>().EmbedDim);
    }

    /// <summary>Keeps every formatted log message: the logs the host's providers would get.</summary>
    private sealed class LogSink : ILoggerProvider, ILogger
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
