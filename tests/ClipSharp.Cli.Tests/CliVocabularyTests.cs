using System.CommandLine;
using System.Text.Json;

namespace ClipSharp.Cli.Tests;

/// <summary>One vocabulary across the commands: a short flag means one thing, a concept has one name, results come as JSON.</summary>
public sealed class CliVocabularyTests
{
    private static readonly RootCommand s_root = ClipCli.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null), new Option<int?>("--threads"));

    [Fact]
    public void EveryShortFlagHasOneMeaningAcrossTheCommands()
    {
        var meanings = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Command command in Commands(s_root))
        {
            foreach (Option option in command.Options.Where(o => !o.Hidden))
            {
                foreach (string alias in option.Aliases.Where(a => a.Length == 2 && a[0] == '-'))
                {
                    (meanings.TryGetValue(alias, out var names) ? names : meanings[alias] = new HashSet<string>(StringComparer.Ordinal)).Add(option.Name);
                }
            }
        }

        Assert.All(meanings, m => Assert.True(m.Value.Count == 1, $"{m.Key} means {string.Join(", ", m.Value)}"));
        Assert.Equal("--image", meanings["-i"].Single());
        Assert.Equal("--text", meanings["-t"].Single());
        Assert.Equal("--out", meanings["-o"].Single());
    }

    [Fact]
    public void OneNamePerConceptWithTheOldNamesHidden()
    {
        string[] visible = [.. Commands(s_root).SelectMany(c => c.Options.Where(o => !o.Hidden)).SelectMany(o => o.Aliases.Prepend(o.Name))];
        Assert.DoesNotContain("--output", visible);
        Assert.DoesNotContain("--dir", visible);
        Assert.DoesNotContain("--templates", visible);

        // Every --seed is the same type.
        Type[] seedTypes = [.. Commands(s_root).SelectMany(c => c.Options).Where(o => o.Name == "--seed").Select(o => Nullable.GetUnderlyingType(o.ValueType) ?? o.ValueType).Distinct()];
        Assert.Equal([typeof(int)], seedTypes);

        // Wherever a command takes images, -i/--image gives them.
        foreach (string name in new[] { "embed", "similarity", "classify", "tag", "ask", "search" })
        {
            Command command = s_root.Subcommands.Single(c => c.Name == name);
            Assert.Contains(command.Options, o => o.Name == "--image" && o.Aliases.Contains("-i"));
        }
    }

    [Fact]
    public void EveryCommandWithAResultTakesJson()
    {
        // serve runs until stopped; it has no result to print.
        Command[] leaves = [.. Commands(s_root).Where(c => c.Action is not null && c.Subcommands.Count == 0 && c.Name != "serve")];
        Assert.True(leaves.Length > 20, $"only {leaves.Length} commands found");
        Assert.All(leaves, c => Assert.True(c.Options.Any(o => o.Name == "--json"), $"{c.Name} has no --json"));
    }

    [Fact]
    public void ImagesGoWithDashIAndTheOldPositionalFormStillWorks()
    {
        string[] tiny = CliRunner.TinyModelArgs();
        string image = CliRunner.Image("square_224x224.png");
        CliResult now = CliRunner.Run(["classify", .. tiny, "--labels", "cat,dog", "--json", "-i", image, CliRunner.Image("gray_333x250.png")]);
        CliResult before = CliRunner.Run(["classify", .. tiny, "--labels", "cat,dog", "--json", image, CliRunner.Image("gray_333x250.png")]);
        Assert.True(now.ExitCode == 0, now.Stderr);
        Assert.Equal(before.Stdout, now.Stdout);
        using (JsonDocument first = JsonDocument.Parse(now.StdoutLines[1]))
        {
            Assert.Equal(1, first.RootElement.GetProperty("index").GetInt32());
        }

        CliResult ask = CliRunner.Run(["ask", .. tiny, "-i", image, "what colour is it?", "--choices", "red,blue", "--json"]);
        CliResult askBefore = CliRunner.Run(["ask", .. tiny, image, "what colour is it?", "--choices", "red,blue", "--json"]);
        Assert.True(ask.ExitCode == 0, ask.Stderr);
        Assert.Equal(askBefore.Stdout, ask.Stdout);

        CliResult both = CliRunner.Run(["ask", .. tiny, "-i", image, image, "what colour is it?", "--choices", "red,blue"]);
        Assert.Equal(ClipCli.ExitError, both.ExitCode);
        both.AssertNoStackTrace();
    }

    [Fact]
    public void EmbedKeepsTheCommandLineOrderWhenOneFlagTakesSeveralValues()
    {
        CliResult r = CliRunner.Run(["embed", .. CliRunner.TinyModelArgs(), "-t", "a cat", "a dog", "-i", CliRunner.Image("square_224x224.png"), "-t", "a car"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] inputs = [.. r.StdoutLines.Select(l =>
        {
            using JsonDocument d = JsonDocument.Parse(l);
            return $"{d.RootElement.GetProperty("index").GetInt32()}:{d.RootElement.GetProperty("kind").GetString()}:{Path.GetFileName(d.RootElement.GetProperty("input").GetString())}";
        })];
        Assert.Equal(["0:text:a cat", "1:text:a dog", "2:image:square_224x224.png", "3:text:a car"], inputs);
    }

    private static IEnumerable<Command> Commands(Command command)
        => command.Subcommands.SelectMany(Commands).Prepend(command);
}
