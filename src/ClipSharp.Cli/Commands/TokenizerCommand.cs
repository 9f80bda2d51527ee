using System.CommandLine;
using ClipSharp.Text;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip tokenizer train</c>: learn a CLIP-style BPE vocabulary from captions.</summary>
internal static class TokenizerCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Option<string[]>("--input")
        {
            Description = "Caption files: .txt (one caption a line) or .jsonl (one JSON string a line). Repeatable.",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        var merges = new Option<int>("--merges") { Description = "Number of merges to learn; the vocabulary has 512 + merges + 2 ids.", Required = true };
        var output = CliOptions.Out<string?>("The merges file to write (.txt.gz like OpenAI's, or .txt).");
        var oldOutput = CliOptions.Legacy<string?>("--output");
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists." };
        var json = CliOptions.Json();
        var train = new Command("train", "Learn BPE merges from captions, cleaned and split exactly as the CLIP tokenizer does.") { inputs, merges, output, oldOutput, force, json };
        train.SetAction(parsed =>
        {
            int count = parsed.GetValue(merges);
            if (count < 0)
            {
                throw new CliException($"--merges must not be negative, got {count}.");
            }

            string path = CliOptions.Value(parsed, output, oldOutput) ?? throw new CliException("give --out, the merges file to write.");
            if (File.Exists(path) && !parsed.GetValue(force))
            {
                throw new CliException($"{path}: already exists; pass --force to replace it.");
            }

            var texts = new List<string>();
            foreach (string file in parsed.GetValue(inputs)!)
            {
                texts.AddRange(file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                    ? TokenizeCommand.ReadJsonLines(file)
                    : ReadLines(file));
            }

            IReadOnlyList<(string First, string Second)> learned = BpeTrainer.Train(texts, count);
            BpeTrainer.WriteMergesFile(path, learned, overwrite: parsed.GetValue(force));
            context.Error.WriteLine(
                $"clip: learned {learned.Count} merges from {texts.Count} captions; vocabulary of {512 + learned.Count + 2} ids written to {path}");
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("out", path);
                    w.WriteNumber("merges", learned.Count);
                    w.WriteNumber("vocab_size", 512 + learned.Count + 2);
                    w.WriteNumber("captions", texts.Count);
                    w.WriteEndObject();
                }));
            }

            if (learned.Count < count)
            {
                context.Warn($"only {learned.Count} of {count} merges were possible: every word of the captions is already one token.");
            }

            return ClipCli.ExitOk;
        });
        return new Command("tokenizer", "Tokenizer tools.") { train };
    }

    private static IEnumerable<string> ReadLines(string path)
        => File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Trim().Length > 0)
            : throw new CliException($"{path}: captions file not found.");
}
