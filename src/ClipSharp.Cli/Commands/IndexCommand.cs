using System.CommandLine;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip index</c>: build and maintain a search index (add a folder of images, add captions, drop deleted files).</summary>
internal static class IndexCommand
{
    public const string DefaultIndex = ".clip-index";

    public static Option<string> IndexOption() => new("--index", "-i")
    {
        Description = $"Index folder (default: {DefaultIndex} in the current folder).",
        DefaultValueFactory = _ => DefaultIndex,
    };

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
