using System.CommandLine;
using System.Globalization;
using ClipSharp.Search;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>clip search</c>: text→image and image→image over an image index, image→text over a caption index, or an
/// image against captions given on the command line.
/// </summary>
internal static class SearchCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var index = IndexCommand.IndexOption();
        var engine = IndexCommand.EngineOption();
        var image = new Option<string?>("--image", "-i") { Description = "Search with this image instead of a text query." };
        var captions = new Option<string?>("--captions") { Description = "Comma-separated captions to rank for --image (no index needed)." };
        var top = new Option<int>("-k", "--top") { Description = "How many results.", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "One JSON line per result on stdout instead of a table." };
        var query = new Argument<string?>("query") { Description = "Text query.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("search", "Search an index by text or by image, or rank captions for an image.")
        {
            index, engine, image, captions, top, json, query,
        };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            string? text = parsed.GetValue(query);
            string? imagePath = parsed.GetValue(image);
            string? captionList = parsed.GetValue(captions);
            int k = parsed.GetValue(top);
            if (k < 1)
            {
                throw new CliException($"-k must be at least 1, got {k}.");
            }

            if ((text is null) == (imagePath is null))
            {
                throw new CliException("give exactly one of a text query or --image FILE.");
            }

            if (captionList is not null && imagePath is null)
            {
                throw new CliException("--captions ranks captions for an image: give --image FILE.");
            }

            Clip clip = model.Load(parsed, context.Cancellation);
            float[] embedding = imagePath is not null ? EmbedImage(clip, imagePath) : clip.EncodeTexts([text!]).Span.ToArray();
            IReadOnlyList<SearchHit> hits = captionList is not null
                ? RankCaptions(clip, embedding, captionList, k)
                : IndexCommand.Guard(() => SearchIndexAt(clip, parsed.GetValue(index)!, parsed.GetValue(engine)!, embedding, k));
            Write(context, hits, parsed.GetValue(json));
            return ClipCli.ExitOk;
        });
        return command;
    }

    internal static float[] EmbedImage(Clip clip, string path)
    {
        EmbeddingResult result = clip.EncodeImageFiles([path])[0];
        return result.Embedding ?? throw new CliException($"{path}: {result.Error}");
    }

    private static IReadOnlyList<SearchHit> SearchIndexAt(Clip clip, string path, string engine, float[] query, int k)
    {
        using SearchIndex index = IndexCommand.Open(path, engine);
        index.RequireModel(ModelIdentity.Compute(clip), clip.Name);
        return index.Search(query, k);
    }

    private static SearchHit[] RankCaptions(Clip clip, float[] image, string list, int k)
    {
        string[] captions = [.. list.Split(',').Select(c => c.Trim()).Where(c => c.Length > 0)];
        if (captions.Length == 0)
        {
            throw new CliException("--captions: no captions.");
        }

        float[] texts = clip.EncodeTexts(captions).Span.ToArray();
        return [.. ExactSearch.Search(texts, clip.EmbedDim, image, k).Select(n => new SearchHit(n.Index, captions[n.Index], n.Score))];
    }

    private static void Write(CliContext context, IReadOnlyList<SearchHit> hits, bool json)
    {
        if (json)
        {
            for (int i = 0; i < hits.Count; i++)
            {
                SearchHit h = hits[i];
                int rank = i + 1;
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("rank", rank);
                    w.WriteNumber("id", h.Id);
                    w.WriteString("source", h.Source);
                    w.WriteNumber("score", h.Score);
                    w.WriteEndObject();
                }));
            }

            return;
        }

        var table = new Table().AddColumn(new TableColumn("rank").RightAligned()).AddColumn(new TableColumn("score").RightAligned()).AddColumn("source");
        for (int i = 0; i < hits.Count; i++)
        {
            table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), hits[i].Score.ToString("F4", CultureInfo.InvariantCulture), Markup.Escape(hits[i].Source));
        }

        context.Ui.Write(table);
    }
}
