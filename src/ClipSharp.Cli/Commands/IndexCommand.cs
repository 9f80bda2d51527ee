using System.CommandLine;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip index</c>: build and maintain a search index (add a folder of images, add captions, drop deleted files).</summary>
internal static class IndexCommand
{
    public const string DefaultIndex = ".clip-index";

    public static Option<string> IndexOption() => new("--index")
    {
        Description = $"Index folder (default: {DefaultIndex} in the current folder).",
        DefaultValueFactory = _ => DefaultIndex,
    };

    /// <summary><c>--engine</c>: how an opened index answers queries.</summary>
    public static Option<string> EngineOption()
    {
        var option = new Option<string>("--engine")
        {
            Description = "Search engine: auto (HNSW when the index has a graph, else exact), exact, hnsw, or quantized (1-bit code scan with exact re-ranking; recall independent of the data).",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "exact", "hnsw", "quantized");
        return option;
    }

    /// <summary>Opens an index with the engine named by <see cref="EngineOption"/>.</summary>
    public static SearchIndex Open(string path, string engine) => Guard(() => SearchIndex.Open(path, new SearchIndexOptions
    {
        Engine = engine switch
        {
            "exact" => SearchEngineKind.Exact,
            "hnsw" => SearchEngineKind.Hnsw,
            "quantized" => SearchEngineKind.Quantized,
            _ => null,
        },
    }));

    public static Command Create(CliContext context) => new("index", "Build and maintain a search index.")
    {
        IndexAddCommand.Create(context),
        IndexAddTextsCommand.Create(context),
        IndexSyncCommand.Create(context),
        IndexInfoCommand.Create(context),
    };

    /// <summary>Runs index code, turning its own failures into one-line CLI errors.</summary>
    public static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SearchIndexException e)
        {
            throw new CliException(e.Message, e);
        }
    }
}
