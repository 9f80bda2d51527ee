using System.CommandLine;
using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Text;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip tokenize</c>: the context-length token ids the text tower would see, per text.</summary>
internal static class TokenizeCommand
{
    public static Command Create(CliContext context)
    {
        var vocab = new Option<string?>("--vocab") { Description = "bpe_simple_vocab_16e6.txt.gz, or a folder with vocab.json + merges.txt." };
        var model = new Option<string?>("--model", "-m") { Description = "Use this model's tokenizer and context length." };
        var json = new Option<bool>("--json") { Description = "One JSON line per text: {\"text\": ..., \"ids\": [...]}." };
        var file = new Option<string?>("--file", "-f") { Description = "Read texts from a JSON-lines file, one JSON string per line." };
        var contextLength = new Option<int?>("--context-length") { Description = "Tokens per text (default: the model's, else 77)." };
        var texts = new Argument<string[]>("texts") { Description = "Texts to tokenize.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("tokenize", "Show the token ids of texts (start token, BPE ids, end token, zero padding).")
        {
            vocab, model, json, file, contextLength, texts,
        };
        command.SetAction(parsed =>
        {
            string? vocabPath = parsed.GetValue(vocab);
            string? modelPath = parsed.GetValue(model);
            if (vocabPath is not null && modelPath is not null)
            {
                throw new CliException("give --vocab or --model, not both.");
            }

            var inputs = new List<string>(parsed.GetValue(texts) ?? []);
            string? textsFile = parsed.GetValue(file);
            if (textsFile is not null)
            {
                inputs.AddRange(ReadJsonLines(textsFile));
            }

            if (inputs.Count == 0)
            {
                throw new CliException("nothing to tokenize: give texts as arguments or --file FILE.");
            }

            ClipTokenizer tokenizer;
            int length;
            if (modelPath is not null)
            {
                ClipCheckpoint checkpoint = ModelFolder.Load(modelPath);
                tokenizer = Clip.OpenTokenizer(checkpoint.Tokenizer);
                length = parsed.GetValue(contextLength) ?? checkpoint.Config.ContextLength;
            }
            else
            {
                tokenizer = ClipCli.LoadTokenizer(vocabPath, null);
                length = parsed.GetValue(contextLength) ?? ClipTokenizer.DefaultContextLength;
            }

            if (length < 2)
            {
                throw new CliException($"--context-length must be at least 2 (start and end tokens), got {length}.");
            }

            foreach (string text in inputs)
            {
                int[] ids = tokenizer.Tokenize(text, length, truncate: true);
                context.Out.WriteLine(parsed.GetValue(json)
                    ? JsonOutput.Line(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("text", text);
                        w.WriteStartArray("ids");
                        foreach (int id in ids)
                        {
                            w.WriteNumberValue(id);
                        }

                        w.WriteEndArray();
                        w.WriteEndObject();
                    })
                    : string.Join(' ', ids));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    internal static IEnumerable<string> ReadJsonLines(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: texts file not found.");
        }

        var texts = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            string? text;
            try
            {
                text = JsonSerializer.Deserialize<string>(line);
            }
            catch (JsonException)
            {
                text = null;
            }

            texts.Add(text ?? throw new CliException($"{path}:{lineNumber}: expected one JSON string per line, e.g. \"a photo of a cat\"."));
        }

        return texts;
    }
}
