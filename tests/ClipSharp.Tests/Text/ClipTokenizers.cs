using System.Collections.Concurrent;
using System.Text.Json;
using ClipSharp.Testing;
using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

/// <summary>Tokenizers built once per vocabulary source and fixer setting, and the golden cases.</summary>
internal static class ClipTokenizers
{
    public enum Source
    {
        OpenAi,
        HuggingFace,
    }

    private static readonly ConcurrentDictionary<(Source, bool), Lazy<ClipTokenizer>> s_cache = new();

    /// <summary>The tokenizer, or an xunit skip when the third-party vocabulary is absent.</summary>
    public static ClipTokenizer Get(Source source = Source.OpenAi, bool fixText = true)
    {
        if (source == Source.OpenAi)
        {
            string merges = Fixtures.RequireVocab(Fixtures.OpenAiMerges);
            return s_cache.GetOrAdd((source, fixText), _ => new(() =>
                ClipTokenizer.Create(merges, new ClipTokenizerOptions { FixText = fixText }))).Value;
        }

        string vocab = Fixtures.RequireVocab(Fixtures.HfVocabJson);
        string hfMerges = Fixtures.RequireVocab(Fixtures.HfMergesTxt);
        return s_cache.GetOrAdd((source, fixText), _ => new(() =>
            ClipTokenizer.CreateFromHuggingFace(vocab, hfMerges, new ClipTokenizerOptions { FixText = fixText }))).Value;
    }

    public sealed record GoldenCase(int Id, string Category, string Text, int[] Ids, int[] Tokens, string Decoded);

    public sealed record FtfyCase(string Text, int[] IdsWithoutFtfy, int[] IdsWithFtfy);

    public static IReadOnlyList<GoldenCase> Cases { get; } = LoadCases();

    public static IReadOnlyList<FtfyCase> FtfyCases { get; } = LoadFtfyCases();

    private static List<GoldenCase> LoadCases()
    {
        var cases = new List<GoldenCase>();
        foreach (string line in File.ReadLines(Fixtures.GoldenPath("tokenizer", "cases.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            cases.Add(new GoldenCase(
                r.GetProperty("id").GetInt32(),
                r.GetProperty("category").GetString()!,
                r.GetProperty("text").GetString()!,
                Ints(r.GetProperty("ids")),
                Ints(r.GetProperty("tokens")),
                r.GetProperty("decoded").GetString()!));
        }

        return cases;
    }

    private static List<FtfyCase> LoadFtfyCases()
    {
        var cases = new List<FtfyCase>();
        foreach (string line in File.ReadLines(Fixtures.GoldenPath("tokenizer", "cases_ftfy_sensitive.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            cases.Add(new FtfyCase(r.GetProperty("text").GetString()!, Ints(r.GetProperty("ids_without_ftfy")), Ints(r.GetProperty("ids_with_ftfy_6_3_1"))));
        }

        return cases;
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    public static string Show(int[] ids) => "[" + string.Join(", ", ids) + "]";
}
