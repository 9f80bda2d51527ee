using ClipSharp.Training.Demo;

namespace ClipSharp.Tests.Training;

public sealed class DemoOptionsTests
{
    [Fact]
    public void TheRecipeItselfBreaksNoRule()
        => Assert.Empty(new SyntheticDemoOptions { OutputDirectory = "demo" }.Problems());

    [Fact]
    public void EveryBrokenRuleIsListedByItsOptionWithTheValueGiven()
    {
        var options = new SyntheticDemoOptions
        {
            OutputDirectory = "demo",
            BatchSize = 1,
            Width = 100,
            PatchSize = 10,
            Heads = 7,
            LearningRate = 2,
        };

        var e = Assert.Throws<DemoOptionsException>(options.Validate);
        Assert.Equal(
            [
                ("BatchSize", "1"), ("LearningRate", "2"), ("PatchSize", "10"), ("Width", "100"), ("Heads", "7"),
            ],
            e.Problems.Select(p => (p.Option, p.Value)));
        Assert.Contains("PatchSize must divide the image size (48) (got 10)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDemoChecksItsOptionsBeforeWritingAnything()
    {
        string folder = Path.Combine(Path.GetTempPath(), "clipsharp-demo-options-" + Guid.NewGuid().ToString("N"));
        var options = new SyntheticDemoOptions { OutputDirectory = folder, TrainCount = 10 };
        var e = Assert.Throws<DemoOptionsException>(() => SyntheticDemo.Run(options, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("TrainCount", Assert.Single(e.Problems).Option);
        Assert.False(Directory.Exists(folder));
    }
}
