using ClipSharp;
using ClipSharp.AI;
using ClipSharp.Hosting;
using ClipSharp.Search;
using ClipSharp.VectorData;
using ClipSharp.ZeroShot;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary><c>services.AddClip(...)</c>: ClipSharp's services for the generic host.</summary>
public static class ClipServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons created on first use: the <see cref="Clip"/> (loaded once, shared), the text and image
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>s, the <see cref="ZeroShotClassifier"/> over
    /// <see cref="ClipOptions.Labels"/>, the <see cref="SearchIndex"/> at <see cref="ClipOptions.IndexPath"/>, the
    /// <see cref="ClipIndexer"/> that adds to it, and the same index as a vector-store collection
    /// (<see cref="VectorStoreCollection{TKey, TRecord}"/> of <see cref="ClipIndexRecord"/> by source, and
    /// <see cref="ClipIndexCollection"/>), which need not exist yet.
    /// </summary>
    public static IServiceCollection AddClip(this IServiceCollection services, Action<ClipOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return AddClipServices(services);
    }

    /// <summary>As <see cref="AddClip(IServiceCollection, Action{ClipOptions})"/>, with the options bound from a configuration section.</summary>
    public static IServiceCollection AddClip(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<ClipOptions>(configuration);
        return AddClipServices(services);
    }

    private static IServiceCollection AddClipServices(IServiceCollection services)
    {
        services.AddOptions<ClipOptions>().Validate(o => !string.IsNullOrWhiteSpace(o.ModelPath), "Clip:ModelPath is required: a model folder or weights file.");
        services.TryAddSingleton(provider => ClipLoader.Load(provider.GetRequiredService<IOptions<ClipOptions>>().Value, Logger(provider)));
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(provider => new ClipTextEmbeddingGenerator(provider.GetRequiredService<Clip>()));
        services.TryAddSingleton<IEmbeddingGenerator<DataContent, Embedding<float>>>(provider => new ClipImageEmbeddingGenerator(provider.GetRequiredService<Clip>()));
        services.TryAddSingleton(provider => CreateClassifier(provider.GetRequiredService<Clip>(), provider.GetRequiredService<IOptions<ClipOptions>>().Value));
        services.TryAddSingleton(provider => OpenIndex(provider.GetRequiredService<Clip>(), provider.GetRequiredService<IOptions<ClipOptions>>().Value));
        services.TryAddSingleton(provider => new ClipIndexer(
            provider.GetRequiredService<Clip>(), RequireIndexPath(provider.GetRequiredService<IOptions<ClipOptions>>().Value), Logger(provider)));
        services.TryAddSingleton(provider => ClipIndexCollection.Create(
            provider.GetRequiredService<Clip>(), RequireIndexPath(provider.GetRequiredService<IOptions<ClipOptions>>().Value)));
        services.TryAddSingleton<VectorStoreCollection<string, ClipIndexRecord>>(provider => provider.GetRequiredService<ClipIndexCollection>());
        return services;
    }

    private static ILogger Logger(IServiceProvider provider)
        => provider.GetService<ILoggerFactory>()?.CreateLogger("ClipSharp") ?? NullLogger.Instance;

    private static ZeroShotClassifier CreateClassifier(Clip clip, ClipOptions options)
        => options.Labels.Count == 0
            ? throw new InvalidOperationException("Clip:Labels is empty: the zero-shot classifier needs its class names.")
            : ZeroShotClassifier.Create(clip, options.Labels, PromptTemplates.Resolve(options.Template));

    private static SearchIndex OpenIndex(Clip clip, ClipOptions options)
    {
        SearchIndex index = SearchIndex.Open(RequireIndexPath(options));
        try
        {
            index.RequireModel(ModelIdentity.Compute(clip), clip.Name);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    private static string RequireIndexPath(ClipOptions options)
        => string.IsNullOrWhiteSpace(options.IndexPath)
            ? throw new InvalidOperationException("Clip:IndexPath is not set: the search index needs its folder.")
            : options.IndexPath;
}
