using System.Text.Json;
using ClipSharp.Testing;

namespace ClipSharp.Cli.Tests;

public sealed class TokenizeAndInfoTests
{
    [Fact]
    public void TokenizeMatchesTheGoldenCases()
    {
        string vocab = Fixtures.RequireVocab(Fixtures.OpenAiMerges);
        var cases = File.ReadLines(Fixtures.GoldenPath("tokenizer", "cases.jsonl")).Take(40).Select(l => JsonDocument.Parse(l)).ToList();
        string folder = Directory.CreateTempSubdirectory("clipsharp-tokenize-").FullName;
        try
        {
            // Texts go through a JSON-lines file so that newlines, tabs and leading dashes survive.
            string file = Path.Combine(folder, "texts.jsonl");
            File.WriteAllLines(file, cases.Select(c => c.RootElement.GetProperty("text").GetRawText()));
            CliResult r = CliRunner.Run("tokenize", "--vocab", vocab, "--json", "--file", file);
            Assert.Equal(0, r.ExitCode);
            string[] lines = r.StdoutLines;
            Assert.Equal(cases.Count, lines.Length);
            for (int i = 0; i < cases.Count; i++)
            {
                using JsonDocument got = JsonDocument.Parse(lines[i]);
                Assert.Equal(cases[i].RootElement.GetProperty("text").GetString(), got.RootElement.GetProperty("text").GetString());
                Assert.Equal(
                    cases[i].RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()),
                    got.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            cases.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void TokenizePrintsSeventySevenIdsPerText()
    {
        CliResult r = CliRunner.Run("tokenize", "--vocab", Fixtures.RequireVocab(Fixtures.OpenAiMerges), "a photo of a cat", "hello");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(2, r.StdoutLines.Length);
        int[] ids = [.. r.StdoutLines[0].Split(' ').Select(int.Parse)];
        Assert.Equal(77, ids.Length);
        Assert.Equal(49406, ids[0]);
        Assert.Contains(49407, ids);
    }

    [Fact]
    public void TokenizeRejectsABadJsonLinesFile()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["\"fine\"", "not json"]);
            CliResult r = CliRunner.Run("tokenize", "--vocab", "/unused", "--file", file);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"{file}:2", r.Stderr, StringComparison.Ordinal);
            r.AssertNoStackTrace();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void InfoDescribesTheModel()
    {
        CliResult r = CliRunner.Run(["info", .. CliRunner.OpenAiModelArgs(), "--json"]);
        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        Assert.Equal("OpenAI state dict", doc.RootElement.GetProperty("layout").GetString());
        Assert.Equal(1_725_729, doc.RootElement.GetProperty("parameters").GetInt64());
        Assert.Contains("F16", doc.RootElement.GetProperty("stored dtypes").GetString(), StringComparison.Ordinal);
        Assert.Contains("VisionTransformer", doc.RootElement.GetProperty("vision").GetString(), StringComparison.Ordinal);
    }
}
