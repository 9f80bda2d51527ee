using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.IO;
using ClipSharp.Tensors;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip embed</c>: embeddings of images and texts, as JSON lines or into a .npy/.safetensors file.</summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var images = CliOptions.Images("Image files to embed (repeatable; one flag takes several).");
        var texts = CliOptions.Texts("Texts to embed (repeatable; one flag takes several).");
        var output = CliOptions.Out<string?>("Write an [N, E] matrix to this .npy or .safetensors file instead of JSON lines.");
        var oldOutput = CliOptions.Legacy<string?>("--output");
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists." };
        var json = CliOptions.Json("With --out, print a JSON summary on stdout (without --out the embeddings are JSON lines already).");
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Emit the raw projections instead of unit-length embeddings." };
        var command = new Command("embed", "Embed images and texts into CLIP's shared space.") { images, texts, output, oldOutput, force, noNormalize, json };
        model.AddTo(command);
        command.SetAction(parsed => Run(context, parsed, model, images, texts, CliOptions.Value(parsed, output, oldOutput), parsed.GetValue(force), parsed.GetValue(noNormalize), parsed.GetValue(json)));
        return command;
    }

    private static int Run(
        CliContext context, ParseResult parsed, ModelOptions modelOptions, Option<string[]> imageOption, Option<string[]> textOption,
        string? output, bool force, bool noNormalize, bool json)
    {
        List<(string Input, EmbeddingKind Kind)> inputs = InputsInOrder(parsed, imageOption, textOption);
        if (inputs.Count == 0)
        {
            throw new CliException("nothing to embed: give at least one --image FILE or --text STRING.");
        }

        if (output is not null)
        {
            CliOptions.CheckOutFile(output, force, ".npy", ".safetensors");
        }

        bool normalize = !noNormalize;
        Clip clip = modelOptions.Load(parsed, context.Cancellation);

        string[] imagePaths = [.. inputs.Where(i => i.Kind == EmbeddingKind.Image).Select(i => i.Input)];
        string[] textInputs = [.. inputs.Where(i => i.Kind == EmbeddingKind.Text).Select(i => i.Input)];
        IReadOnlyList<EmbeddingResult> imageResults = Progress.Run(context, "Embedding images", imagePaths.Length, p => clip.EncodeImageFiles(imagePaths, normalize, progress: p));
        Tensor textEmbeddings = clip.EncodeTexts(textInputs, normalize);

        var results = new List<EmbeddingResult>(inputs.Count);
        int nextImage = 0;
        int nextText = 0;
        foreach (var (input, kind) in inputs)
        {
            if (kind == EmbeddingKind.Image)
            {
                results.Add(imageResults[nextImage++]);
            }
            else
            {
                results.Add(EmbeddingResult.Succeeded(input, kind, textEmbeddings.Span.Slice(nextText++ * clip.EmbedDim, clip.EmbedDim).ToArray()));
            }
        }

        var good = results.Where(r => r.Success).ToList();
        if (output is null)
        {
            for (int i = 0; i < results.Count; i++)
            {
                EmbeddingResult r = results[i];
                if (!r.Success)
                {
                    continue;
                }

                int index = i;
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", index);
                    w.WriteString("input", r.Input);
                    w.WriteString("kind", r.Kind == EmbeddingKind.Image ? "image" : "text");
                    JsonOutput.WriteFloats(w, "embedding", r.Embedding);
                    w.WriteEndObject();
                }));
            }
        }
        else if (good.Count > 0)
        {
            WriteMatrix(output, good, clip, force);
            context.Error.WriteLine($"clip: wrote {good.Count} x {clip.EmbedDim} embeddings to {output}");
            if (json)
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("model", clip.Name);
                    w.WriteNumber("dim", clip.EmbedDim);
                    w.WriteNumber("count", good.Count);
                    w.WriteString("out", output);
                    w.WriteEndObject();
                }));
            }
        }

        return ReportFailures(context, results);
    }

    /// <summary>Failed inputs are listed after the good ones were written; the exit status says the batch was incomplete.</summary>
    internal static int ReportFailures(CliContext context, IReadOnlyList<EmbeddingResult> results)
    {
        var failed = results.Where(r => !r.Success).ToList();
        foreach (EmbeddingResult r in failed)
        {
            context.Warn($"skipped {r.Input}: {r.Error}");
        }

        if (failed.Count == 0)
        {
            return ClipCli.ExitOk;
        }

        context.Warn($"{failed.Count} of {results.Count} inputs failed.");
        return ClipCli.ExitError;
    }

    internal static List<(string Input, EmbeddingKind Kind)> InputsInOrder(ParseResult parsed, Option<string[]> imageOption, Option<string[]> textOption)
    {
        // The parser groups values per option; the command line's own order is recovered from the tokens.
        var inputs = new List<(string, EmbeddingKind)>();
        EmbeddingKind? pending = null;
        foreach (Token token in parsed.Tokens)
        {
            if (token.Type == TokenType.Option)
            {
                pending = imageOption.Name == token.Value || imageOption.Aliases.Contains(token.Value) ? EmbeddingKind.Image
                    : textOption.Name == token.Value || textOption.Aliases.Contains(token.Value) ? EmbeddingKind.Text
                    : null;
            }
            else if (token.Type == TokenType.Argument && pending is not null)
            {
                // One flag may take several values (-i a.jpg b.jpg): they belong to it until the next option.
                inputs.Add((token.Value, pending.Value));
            }
        }

        int images = parsed.GetValue(imageOption)?.Length ?? 0;
        int texts = parsed.GetValue(textOption)?.Length ?? 0;
        if (inputs.Count(i => i.Item2 == EmbeddingKind.Image) != images || inputs.Count(i => i.Item2 == EmbeddingKind.Text) != texts)
        {
            // Unusual token forms: fall back to images first, then texts.
            inputs.Clear();
            inputs.AddRange((parsed.GetValue(imageOption) ?? []).Select(i => (i, EmbeddingKind.Image)));
            inputs.AddRange((parsed.GetValue(textOption) ?? []).Select(t => (t, EmbeddingKind.Text)));
        }

        return inputs;
    }

    private static void WriteMatrix(string output, List<EmbeddingResult> good, Clip clip, bool force)
    {
        int e = clip.EmbedDim;
        var matrix = new float[good.Count * e];
        for (int i = 0; i < good.Count; i++)
        {
            good[i].Embedding.AsSpan().CopyTo(matrix.AsSpan(i * e, e));
        }

        if (Path.GetExtension(output).Equals(".npy", StringComparison.OrdinalIgnoreCase))
        {
            NpyWriter.WriteFile(output, matrix, good.Count, e, overwrite: force);
            return;
        }

        // Rows are labelled in the metadata so that the file stands on its own.
        new SafeTensorsWriter()
            .AddMetadata("inputs", JsonSerializer.Serialize(good.Select(g => g.Input).ToArray()))
            .AddMetadata("kinds", JsonSerializer.Serialize(good.Select(g => g.Kind == EmbeddingKind.Image ? "image" : "text").ToArray()))
            .AddMetadata("model", clip.Name)
            .Add("embeddings", matrix, [good.Count, e])
            .Save(output, overwrite: force);
    }
}
