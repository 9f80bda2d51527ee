using System.Text.Json;

namespace ClipSharp.Cli.Tests;

public sealed class AskCommandTests
{
    [Fact]
    public void RanksTheChoicesWithProbabilities()
    {
        CliResult r = CliRunner.Run(["ask", .. CliRunner.TinyModelArgs(), CliRunner.Image("square_224x224.png"), "what colour is the car?", "--choices", "red, blue,green", "--json"]);
        Assert.Equal(0, r.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(r.StdoutLines.Single());
        JsonElement[] choices = [.. doc.RootElement.GetProperty("choices").EnumerateArray()];
        Assert.Equal(["blue", "green", "red"], choices.Select(c => c.GetProperty("answer").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(1.0, choices.Sum(c => c.GetProperty("probability").GetDouble()), 4);
        Assert.Equal(choices[0].GetProperty("answer").GetString(), doc.RootElement.GetProperty("answer").GetString());
        Assert.StartsWith("what colour is the car? ", choices[0].GetProperty("prompt").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OneChoiceIsAUsageError()
    {
        CliResult r = CliRunner.Run(["ask", .. CliRunner.TinyModelArgs(), CliRunner.Image("square_224x224.png"), "what?", "--choices", "red"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("at least two choices", r.Stderr, StringComparison.Ordinal);
        r.AssertNoStackTrace();
    }
}
