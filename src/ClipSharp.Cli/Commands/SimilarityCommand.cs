using System.CommandLine;
using System.Globalization;
using ClipSharp.Tensors;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip similarity</c>: cosine similarity of every image with every text, and softmax probabilities over the texts.</summary>
internal static class SimilarityCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var images = CliOptions.Images("Image files (repeatable; one flag takes several).", required: true);
        var texts = CliOptions.Texts("Texts (repeatable; one flag takes several).", required: true);
        var json = new Option<bool>("--json") { Description = "One JSON line per image on stdout instead of tables." };
        var command = new Command("similarity", "Cosine similarity matrix of images × texts, with softmax probabilities per image.") { images, texts, json };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            string[] imagePaths = parsed.GetValue(images)!;
            string[] textInputs = parsed.GetValue(texts)!;
            Clip clip = model.Load(parsed, context.Cancellation);
            IReadOnlyList<EmbeddingResult> results = clip.EncodeImageFiles(imagePaths);
            var good = results.Where(r => r.Success).ToList();
            if (good.Count > 0)
            {
                int e = clip.EmbedDim;
                var imageEmbeddings = Tensor.Zeros(good.Count, e);
                for (int i = 0; i < good.Count; i++)
                {
                    good[i].Embedding.AsSpan().CopyTo(imageEmbeddings.Span.Slice(i * e, e));
                }

                Tensor cosine = Clip.CosineSimilarity(imageEmbeddings, clip.EncodeTexts(textInputs));
                Tensor probabilities = clip.TextProbabilities(cosine);
                if (parsed.GetValue(json))
                {
                    WriteJson(context, good, textInputs, cosine, probabilities);
                }
                else
                {
                    context.Ui.Write(Table("cosine similarity", good, textInputs, cosine, "F4"));
                    context.Ui.Write(Table("probability over the texts (softmax of logit scale × cosine)", good, textInputs, probabilities, "P1"));
                }
            }

            return EmbedCommand.ReportFailures(context, results);
        });
        return command;
    }

    private static void WriteJson(CliContext context, List<EmbeddingResult> images, string[] texts, Tensor cosine, Tensor probabilities)
    {
        for (int i = 0; i < images.Count; i++)
        {
            int row = i;
            context.Out.WriteLine(JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("image", images[row].Input);
                w.WriteStartArray("texts");
                for (int t = 0; t < texts.Length; t++)
                {
                    w.WriteStartObject();
                    w.WriteString("text", texts[t]);
                    w.WriteNumber("cosine", cosine.Span[(row * texts.Length) + t]);
                    w.WriteNumber("probability", probabilities.Span[(row * texts.Length) + t]);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
        }
    }

    private static Table Table(string title, List<EmbeddingResult> images, string[] texts, Tensor values, string format)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("image");
        foreach (string t in texts)
        {
            table.AddColumn(new TableColumn(Markup.Escape(t)).RightAligned());
        }

        for (int i = 0; i < images.Count; i++)
        {
            var cells = new List<string> { Markup.Escape(Path.GetFileName(images[i].Input)) };
            for (int t = 0; t < texts.Length; t++)
            {
                cells.Add(values.Span[(i * texts.Length) + t].ToString(format, CultureInfo.InvariantCulture));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }
}
