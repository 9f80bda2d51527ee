using System.CommandLine;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip index info</c>: what an index holds and which model built it, as one JSON line.</summary>
internal static class IndexInfoCommand
{
    public static Command Create(CliContext context)
    {
        var index = IndexCommand.IndexOption();
        var json = CliOptions.Json("Accepted for uniformity: the output is one JSON line already.");
        var command = new Command("info", "Show an index's model, size and engine as JSON.") { index, json };
        command.SetAction(parsed =>
        {
            using SearchIndex opened = IndexCommand.Guard(() => SearchIndex.Open(parsed.GetValue(index)!));
            context.Out.WriteLine(JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("path", opened.Path);
                w.WriteString("kind", opened.Kind.ToString().ToLowerInvariant());
                w.WriteNumber("entries", opened.Count);
                w.WriteNumber("dim", opened.Dimension);
                w.WriteString("engine", opened.Engine.ToString().ToLowerInvariant());
                w.WriteString("model", opened.ModelName);
                w.WriteString("model_id", opened.ModelId);
                w.WriteEndObject();
            }));
            return ClipCli.ExitOk;
        });
        return command;
    }
}
