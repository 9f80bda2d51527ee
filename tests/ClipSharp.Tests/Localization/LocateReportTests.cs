using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Imaging;
using ClipSharp.Localization;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Localization;

public sealed class LocateReportTests
{
    private static readonly Lazy<Clip> s_clip = new(() => Clip.FromCheckpoint(ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab)));

    private static DecodedImage Photo() => ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));

    [Fact]
    public void TheReportCarriesEveryLocationInOrder()
    {
        DecodedImage image = Photo();
        IReadOnlyList<PromptLocation> located = ClipLocator.Create(s_clip.Value).Locate(image, ["a red star", "a blue circle"], threshold: 0.3f);
        LocateReport report = LocateReport.Create("photo.jpg", located);
        Assert.Equal(("photo.jpg", 640, 480, located[0].HeatMap.GridSize, "dense"), (report.Image, report.Width, report.Height, report.Grid, report.MethodName));
        Assert.Equal(2, report.Prompts.Count);
        for (int p = 0; p < located.Count; p++)
        {
            PromptLocationSummary s = report.Prompts[p];
            PromptLocation l = located[p];
            Assert.Equal((l.Prompt, l.Peak, l.Box, l.Threshold, l.MaskArea, l.MaskFraction), (s.Prompt, s.Peak, s.Box, s.Threshold, s.MaskArea, s.MaskFraction));
            Assert.Equal((l.PeakCosine, l.HeatMap.Min), (s.PeakScore, s.MinScore));
            Assert.Equal((l.PeakCosine, l.HeatMap.Min), (s.Cosine, s.MinCosine));
            Assert.Null(s.Relevance);
            Assert.Null(s.MinRelevance);
        }
    }

    [Fact]
    public void TheJsonNamesAreTheRecordsWhateverTheSerializersPolicy()
    {
        LocateReport report = LocateReport.Create("photo.jpg", ClipLocator.Create(s_clip.Value).Locate(Photo(), ["a red star"]));
        string plain = JsonSerializer.Serialize(report);
        Assert.Equal(plain, JsonSerializer.Serialize(report, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.KebabCaseUpper }));
        Assert.Equal(plain, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        using JsonDocument doc = JsonDocument.Parse(plain);
        JsonElement first = doc.RootElement.GetProperty("prompts")[0];
        Assert.Equal(["left", "top", "right", "bottom"], first.GetProperty("box").EnumerateObject().Select(p => p.Name));
        Assert.Equal(report.Prompts[0].Peak.X, first.GetProperty("peak").GetProperty("x").GetInt32());
        Assert.Equal(report.Prompts[0].PeakScore, first.GetProperty("cosine").GetSingle());
        Assert.False(first.TryGetProperty("relevance", out _));
    }

    [Fact]
    public void TheSegmentationReportGivesEveryLabelsPixelsInOrderUnderItsOwnNames()
    {
        DecodedImage image = Photo();
        Segmentation segmentation = ClipLocator.Create(s_clip.Value).Segment(image, ["a red star", "a blue circle", "background"]);
        SegmentationReport report = SegmentationReport.Create("photo.jpg", segmentation);
        Assert.Equal(("photo.jpg", 640, 480), (report.Image, report.Width, report.Height));
        Assert.Equal(["a red star", "a blue circle", "background"], report.Labels.Select(l => l.Label));
        Assert.Equal([.. Enumerable.Range(0, 3).Select(l => segmentation.Area(l))], report.Labels.Select(l => l.Pixels));
        Assert.Equal(640L * 480, report.Labels.Sum(l => l.Pixels));
        Assert.Equal(report.Labels.Select(l => (double)l.Pixels / (640 * 480)), report.Labels.Select(l => l.Fraction));

        string plain = JsonSerializer.Serialize(report);
        Assert.Equal(plain, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.KebabCaseUpper }));
        using JsonDocument doc = JsonDocument.Parse(plain);
        Assert.Equal(["image", "width", "height", "labels"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["label", "pixels", "fraction"], doc.RootElement.GetProperty("labels")[0].EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData(nameof(LocateMethod.Gradient), "gradient")]
    [InlineData(nameof(LocateMethod.Occlusion), "occlusion")]
    public void GradientAndOcclusionReportsNameTheHeatARelevance(string method, string name)
    {
        var locator = ClipLocator.Create(s_clip.Value, LocateOptions.Default with { Method = Enum.Parse<LocateMethod>(method) });
        LocateReport report = LocateReport.Create("square.png", locator.Locate(ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "square_224x224.png")), ["a red star"]));
        Assert.Equal(name, report.MethodName);
        using JsonDocument doc = JsonDocument.Parse(JsonSerializer.Serialize(report));
        JsonElement first = doc.RootElement.GetProperty("prompts")[0];
        Assert.Equal(report.Prompts[0].PeakScore, first.GetProperty("relevance").GetSingle());
        Assert.Equal(report.Prompts[0].MinScore, first.GetProperty("min_relevance").GetSingle());
        Assert.False(first.TryGetProperty("cosine", out _));
        Assert.False(first.TryGetProperty("min_cosine", out _));
    }

    [Fact]
    public void AReportIsOfOneImageByOneMethod()
    {
        var dense = ClipLocator.Create(s_clip.Value);
        Assert.Throws<ArgumentException>(() => LocateReport.Create("none", []));
        PromptLocation photo = dense.Locate(Photo(), ["a red star"])[0];
        PromptLocation square = dense.Locate(ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "square_224x224.png")), ["a blue circle"])[0];
        var e = Assert.Throws<ArgumentException>(() => LocateReport.Create("mixed", [photo, square]));
        Assert.Contains("a blue circle", e.Message, StringComparison.Ordinal);
        Assert.Contains("224 x 224", e.Message, StringComparison.Ordinal);
    }
}
