using ClipSharp.Imaging;
using ClipSharp.Training;
using ClipSharp.Training.Plots;

namespace ClipSharp.Tests.Training;

public sealed class PlotTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-plot-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void ALinePlotIsAPngOfTheRequestedSizeWithTheLinesDrawn()
    {
        string path = Path.Combine(_temp.FullName, "p.png");
        new LinePlot("t", "x", "y") { Width = 320, Height = 200 }
            .Add("a", [(0, 1), (1, 0.5), (2, 0.25)])
            .Add("b", [(0, 0), (2, 1)])
            .Save(path);
        DecodedImage image = ImageDecoder.Decode(path);
        Assert.Equal(320, image.Width);
        Assert.Equal(200, image.Height);
        Assert.Contains(image.Pixels.ToArray().Chunk(image.Pixels.Length / (320 * 200)), p => p[0] < 100 && p[2] > 150); // the first series' blue
    }

    [Theory]
    [InlineData(0, 1, 0.2)]
    [InlineData(0, 2500, 500)]
    [InlineData(1e-5, 1e-3, 2e-4)]
    public void TicksAreRoundSteps(double min, double max, double step)
    {
        IReadOnlyList<double> ticks = PlotCanvas.Ticks(min, max);
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, step * 1e-6));
        Assert.True(ticks[0] >= min - (step * 1e-6) && ticks[^1] <= max + (step * 1e-6));
    }

    [Fact]
    public void RunPlotsComeFromTheLog()
    {
        string logPath = Path.Combine(_temp.FullName, "log.jsonl");
        using (TrainingLog log = TrainingLog.Create(logPath))
        {
            log.WriteTrain(new TrainRecord(1, 0, 4.5f, 1e-4, 2, 2.6f, 100));
            log.WriteTrain(new TrainRecord(2, 0, 4.0f, 2e-4, 2, 2.6f, 100));
            log.WriteEval(new EvalRecord(2, new Dictionary<string, double> { ["top1"] = 0.5 }));
            log.WriteTrain(new TrainRecord(3, 0, 3.0f, 2e-4, 2, 2.6f, 100));
        }

        using (TrainingLog resumed = TrainingLog.Resume(logPath, 2))
        {
            Assert.Equal(2, resumed.Train.Count);
            Assert.Single(resumed.Eval);
            Assert.Equal(3, File.ReadAllLines(logPath).Length);
            IReadOnlyList<string> plots = RunPlots.Write(resumed, _temp.FullName);
            Assert.Equal(3, plots.Count);
        }
    }
}
