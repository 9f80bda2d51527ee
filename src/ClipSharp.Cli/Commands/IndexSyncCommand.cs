using System.CommandLine;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip index sync</c>: forgets the files that were deleted since they were indexed.</summary>
internal static class IndexSyncCommand
{
    public static Command Create(CliContext context)
    {
        var index = IndexCommand.IndexOption();
        var json = CliOptions.Json();
        var command = new Command("sync", "Drop the entries whose image files no longer exist.") { index, json };
        command.SetAction(parsed =>
        {
            int removed = IndexCommand.Guard(() => ImageIndexer.Sync(parsed.GetValue(index)!));
            context.Warn($"{removed} deleted files dropped from the index.");
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("removed", removed);
                    w.WriteEndObject();
                }));
            }
            return ClipCli.ExitOk;
        });
        return command;
    }
}
