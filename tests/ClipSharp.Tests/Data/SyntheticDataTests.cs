using ClipSharp.Data;
using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Data;

public sealed class SyntheticDataTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(12345)]
    public void HeldOutSplitKeepsEveryColourAndShapeInTraining(long seed)
    {
        HeldOutSplit split = HeldOutSplit.Create(seed);

        Assert.Equal(12, split.HeldOut.Count);
        Assert.Equal(36, split.Seen.Count);
        Assert.Equal(48, split.HeldOut.Concat(split.Seen).Distinct().Count());
        Assert.All(SynthVocabulary.Shapes, s => Assert.Equal(2, split.HeldOut.Count(x => x.Shape == s)));
        for (int c = 0; c < SynthVocabulary.Colors.Count; c++)
        {
            Assert.InRange(split.HeldOut.Count(x => x.Color == c), 0, 2);
            Assert.Contains(split.Seen, x => x.Color == c);
        }

        Assert.All(split.HeldOut, x => Assert.True(split.IsHeldOut(x.Color, x.Shape)));
        Assert.Equal(split.HeldOut, HeldOutSplit.Create(seed).HeldOut);
    }

    [Fact]
    public void DifferentSeedsHoldOutDifferentCombinations() =>
        Assert.NotEqual(HeldOutSplit.Create(1).HeldOut, HeldOutSplit.Create(2).HeldOut);

    [Fact]
    public void TrainingNeverShowsOrNamesAHeldOutCombination()
    {
        HeldOutSplit split = HeldOutSplit.Create(3);
        string[] heldOutNames = [.. split.HeldOut.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape))];
        for (int i = 0; i < 3000; i++)
        {
            SynthItem item = SyntheticCorpus.Training(3, split, i);
            Assert.All(item.Scene.Objects, o => Assert.False(split.IsHeldOut(o.Color, o.Shape)));
            Assert.DoesNotContain(heldOutNames, n => item.Caption.Contains(n, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(SceneSampler.DefaultSingleObjectShare)]
    [InlineData(0.8)]
    [InlineData(1.0)]
    public void TheSingleObjectShareIsTheShareOfOneObjectScenesAndTheRestSplitThreeToTwo(double share)
    {
        HeldOutSplit split = HeldOutSplit.Create(9);
        var counts = new int[4];
        const int N = 4000;
        for (int i = 0; i < N; i++)
        {
            counts[SyntheticCorpus.Training(9, split, i, share).Scene.Objects.Count]++;
        }

        // Binomial standard deviations at N = 4000 are under 0.8%; 3% is a wide margin.
        Assert.InRange(counts[1] / (double)N, share - 0.03, share + 0.03);
        Assert.InRange(counts[2] / (double)N, (0.6 * (1 - share)) - 0.03, (0.6 * (1 - share)) + 0.03);
        Assert.InRange(counts[3] / (double)N, (0.4 * (1 - share)) - 0.03, (0.4 * (1 - share)) + 0.03);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ASingleObjectShareOutsideZeroToOneIsRefused(double share) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCorpus.Training(10, HeldOutSplit.Create(10), 0, share));

    [Fact]
    public void CaptionsParseBackToTheirScenes()
    {
        HeldOutSplit split = HeldOutSplit.Create(4);
        var templates = new HashSet<int>();
        var counts = new int[4];
        for (int i = 0; i < 2000; i++)
        {
            SynthItem item = SyntheticCorpus.Training(4, split, i);
            templates.Add(item.Template);
            IReadOnlyList<SynthObject> objects = item.Scene.Objects;
            counts[objects.Count]++;
            Assert.InRange(objects.Count, 1, 3);
            Assert.Equal(objects.Count, objects.Select(o => o.Cell).Distinct().Count());
            var parsed = ParseObjects(item.Caption);
            if (item.Template is 8 or 9)
            {
                // "two blue circles": one colour and shape, counted.
                Assert.All(objects, o => Assert.Equal(objects[0].Combination, o.Combination));
                Assert.StartsWith(objects.Count == 2 ? "two " : "three ", item.Caption, StringComparison.Ordinal);
                Assert.Equal((objects[0].Color, objects[0].Shape), Assert.Single(parsed).Combination);
                continue;
            }

            Assert.Equal(objects.Count, parsed.Count);
            for (int k = 0; k < objects.Count; k++)
            {
                SynthObject o = objects[k];
                var p = parsed[k];
                Assert.Equal(o.Combination, p.Combination);
                Assert.True(p.Large is null || p.Large == o.Large, item.Caption);
                Assert.True(p.Cell is null || p.Cell == o.Cell, item.Caption);
            }

            string background = SynthVocabulary.BackgroundName(item.Scene.Background.Kind);
            if (item.Caption.EndsWith(" background", StringComparison.Ordinal))
            {
                Assert.EndsWith($" {background} background", item.Caption, StringComparison.Ordinal);
            }
        }

        Assert.Equal(CaptionWriter.Templates.Count, templates.Count);
        Assert.All(counts.Skip(1), n => Assert.True(n > 100));
    }

    [Fact]
    public void RenderedPixelsShowTheCaptionedColourAndNoOther()
    {
        HeldOutSplit split = HeldOutSplit.Create(6);
        int checkedImages = 0;
        for (int i = 0; checkedImages < 200; i++)
        {
            SynthItem item = SyntheticCorpus.Training(6, split, i);
            if (item.Scene.Objects.Count != 1)
            {
                continue;
            }

            checkedImages++;
            SynthObject o = Assert.Single(item.Scene.Objects);
            var (color, shape) = Assert.Single(ParseObjects(item.Caption)).Combination;
            DecodedImage image = SceneRenderer.Render(item.Scene, 48);
            int[] near = NearColourCounts(image);
            int minimum = o.Large ? 40 : 10;
            Assert.True(near[color] >= minimum, $"{item.Caption}: only {near[color]} pixels of {SynthVocabulary.Colors[color].Name}");
            for (int c = 0; c < near.Length; c++)
            {
                Assert.True(c == color || near[c] == 0, $"{item.Caption}: {near[c]} pixels look {SynthVocabulary.Colors[c].Name}");
            }

            // The object sits in the named cell: the centre of its colour lies inside that cell.
            (double cx, double cy) = ColourCentre(image, color);
            Assert.Equal(o.Cell % 3, (int)(cx / 16));
            Assert.Equal(o.Cell / 3, (int)(cy / 16));
            Assert.Equal(shape, o.Shape);
        }
    }

    [Fact]
    public void InMemoryRenderMatchesTheWrittenPng()
    {
        HeldOutSplit split = HeldOutSplit.Create(8);
        SynthItem item = SyntheticCorpus.Training(8, split, 17);
        DecodedImage direct = SceneRenderer.Render(item.Scene, 56);
        DecodedImage decoded = ImageDecoder.Decode(SceneRenderer.RenderPng(item.Scene, 56), "png");
        Assert.Equal(PixelMode.RGB, decoded.Mode);
        Assert.Equal(direct.Pixels.ToArray(), decoded.Pixels.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => SceneRenderer.Render(item.Scene, 47));
        Assert.Throws<ArgumentOutOfRangeException>(() => SceneRenderer.Render(item.Scene, 65));
    }

    [Fact]
    public void WritingIsDeterministicAndLaidOutForTrainingAndEvaluation()
    {
        using var temp = new TempFolder();
        var options = new SyntheticDataOptions { Count = 60, Seed = 11, ValidationCount = 12, EvalPerClass = 2 };
        SyntheticDatasetInfo a = SyntheticDatasetWriter.Write(temp.File("a"), options);
        SyntheticDatasetWriter.Write(temp.File("b"), options);

        string[] files = [.. Directory.EnumerateFiles(a.Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(a.Folder, f)).Order(StringComparer.Ordinal)];
        Assert.Equal(1 + 2 + 60 + 12 + (2 * (36 + 12 + 8 + 6)), files.Length);
        foreach (string f in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(a.Folder, f)).AsSpan().SequenceEqual(File.ReadAllBytes(temp.File(Path.Combine("b", f)))), f);
        }

        Assert.Equal(["a", "b"], temp.Entries()); // no temporary folders left behind
        Assert.Equal(36, Directory.GetDirectories(a.EvalFolder("seen")).Length);
        Assert.Equal(
            a.Split.HeldOut.Select(x => SynthVocabulary.CombinationName(x.Color, x.Shape)).Order(StringComparer.Ordinal),
            Directory.GetDirectories(a.EvalFolder("unseen")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(8, Directory.GetDirectories(a.EvalFolder("color")).Length);
        Assert.True(File.Exists(Path.Combine(a.EvalFolder("shape"), "star", "0001.png")));

        string json = File.ReadAllText(Path.Combine(a.Folder, "split.json"));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(11, doc.RootElement.GetProperty("seed").GetInt64());
        Assert.Equal(12, doc.RootElement.GetProperty("held_out").GetArrayLength());
        Assert.Equal(60, doc.RootElement.GetProperty("counts").GetProperty("train").GetInt32());
        Assert.Equal(60, doc.RootElement.GetProperty("caption_templates").EnumerateArray().Sum(t => t.GetProperty("train").GetInt32()));

        // The training table is a CSV source like any other, and names only seen combinations.
        CaptionDataset train = CsvCaptionSource.Load(a.TrainCsv);
        Assert.Equal(60, train.Count);
        Assert.Equal(SyntheticCorpus.Training(11, a.Split, 5).Caption, train.Samples[5].Caption);
        Assert.Equal(48, train.Samples[0].Image.Decode().Width);
        Assert.Equal(12, CsvCaptionSource.Load(a.ValidationCsv).Count);
    }

    [Fact]
    public void AnExistingFolderIsReplacedOnlyWithForce()
    {
        using var temp = new TempFolder();
        var options = new SyntheticDataOptions { Count = 5, Seed = 1, EvalPerClass = 0 };
        Directory.CreateDirectory(temp.File("out"));
        SyntheticDatasetWriter.Write(temp.File("out"), options); // empty: fine
        File.WriteAllText(temp.File("out/keep.txt"), "mine");

        var e = Assert.Throws<IOException>(() => SyntheticDatasetWriter.Write(temp.File("out"), options));
        Assert.Contains("--force", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(temp.File("out/keep.txt")));

        SyntheticDatasetWriter.Write(temp.File("out"), options with { Count = 7 }, force: true);
        Assert.False(File.Exists(temp.File("out/keep.txt")));
        Assert.Equal(7, Directory.GetFiles(temp.File("out/train")).Length);
        Assert.Equal(["out"], temp.Entries());
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDatasetWriter.Write(temp.File("x"), options with { Size = 80 }));
    }

    // "a small red triangle at the top left and a cyan ring" → [(red triangle, small, cell 0), (cyan ring, ?, ?)]
    private static List<((int Color, SynthShape Shape) Combination, bool? Large, int? Cell)> ParseObjects(string caption)
    {
        var result = new List<((int, SynthShape), bool?, int?)>();
        string[] words = caption.Replace(",", " ,", StringComparison.Ordinal).Split(' ');
        bool? large = null;
        int color = -1;
        for (int w = 0; w < words.Length; w++)
        {
            string word = words[w];
            if (word is "small" or "large")
            {
                large = word == "large";
            }

            int c = SynthVocabulary.Colors.ToList().FindIndex(x => x.Name == word);
            if (c >= 0)
            {
                color = c;
            }

            foreach (SynthShape s in SynthVocabulary.Shapes)
            {
                if (word == SynthVocabulary.ShapeName(s) || word == SynthVocabulary.PluralName(s))
                {
                    Assert.True(color >= 0, caption);
                    int? cell = null;
                    string rest = string.Join(' ', words.Skip(w + 1));
                    for (int k = 0; k < 9; k++)
                    {
                        string phrase = SynthVocabulary.PositionPhrase(k);
                        bool longer = cell is null || phrase.Length > SynthVocabulary.PositionPhrase(cell.Value).Length;
                        if (longer && rest.StartsWith(phrase, StringComparison.Ordinal) && (rest.Length == phrase.Length || rest[phrase.Length] is ' ' or ','))
                        {
                            cell = k;
                        }
                    }

                    result.Add(((color, s), large, cell));
                    large = null;
                    color = -1;
                }
            }
        }

        return result;
    }

    // Pixels within a small distance of each palette colour (the antialiased rim blends and is not counted).
    private static int[] NearColourCounts(DecodedImage image)
    {
        var counts = new int[SynthVocabulary.Colors.Count];
        ReadOnlySpan<byte> px = image.Pixels;
        for (int i = 0; i < px.Length; i += 3)
        {
            for (int c = 0; c < counts.Length; c++)
            {
                SynthColor k = SynthVocabulary.Colors[c];
                if (Math.Abs(px[i] - k.R) + Math.Abs(px[i + 1] - k.G) + Math.Abs(px[i + 2] - k.B) <= 12)
                {
                    counts[c]++;
                }
            }
        }

        return counts;
    }

    private static (double X, double Y) ColourCentre(DecodedImage image, int color)
    {
        SynthColor k = SynthVocabulary.Colors[color];
        ReadOnlySpan<byte> px = image.Pixels;
        double sx = 0, sy = 0;
        int n = 0;
        for (int i = 0; i < px.Length; i += 3)
        {
            if (Math.Abs(px[i] - k.R) + Math.Abs(px[i + 1] - k.G) + Math.Abs(px[i + 2] - k.B) <= 12)
            {
                sx += (i / 3) % image.Width;
                sy += (i / 3) / image.Width;
                n++;
            }
        }

        return (sx / n, sy / n);
    }
}
