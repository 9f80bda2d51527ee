using System.CommandLine;
using ClipSharp.Search;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip index add-texts FILE</c>: a caption index, one caption per line, for image→text search.</summary>
internal static class IndexAddTextsCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var index = IndexCommand.IndexOption();
        var json = CliOptions.Json();
        var file = new Argument<string>("file") { Description = "Text file with one caption per line." };
        var command = new Command("add-texts", "Add captions (one per line) to a caption index, for `clip search --image` to rank.") { index, json, file };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CliException($"{path}: captions file not found.");
            }

            Clip clip = model.Load(parsed, context.Cancellation);
            int added = IndexCommand.Guard(() => CaptionIndexer.Add(clip, parsed.GetValue(index)!, File.ReadLines(path)));
            context.Warn($"{added} captions added.");
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("added", added);
                    w.WriteEndObject();
                }));
            }
            return ClipCli.ExitOk;
        });
        return command;
    }
}
