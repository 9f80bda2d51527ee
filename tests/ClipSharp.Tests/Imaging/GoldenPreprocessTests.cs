using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Imaging;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Imaging;

/// <summary>The reference <c>clip.clip._transform(n)</c> outputs of tests/fixtures/golden (see its README, "preprocess/").</summary>
public sealed class GoldenPreprocessTests(ITestOutputHelper output)
{
    public static TheoryData<string> PngCases =>
    [
        "tall_300x800", "square_224x224", "small_100x50", "hd_1920x1080", "gray_333x250", "rgba_256x192", "palette_160x120",
    ];

    [Theory]
    [MemberData(nameof(PngCases))]
    public void Png_At224_MatchesReferenceExactly(string name)
    {
        float[] expected = ReadPixelValues(Fixtures.GoldenPath("preprocess", name + ".safetensors"));
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", name + ".png"));

        float[] actual = ClipImageTransform.Default224.Apply(image);

        float maxError = MaxAbsDiff(expected, actual);
        output.WriteLine($"{name} ({image.Mode}, {image.Width}x{image.Height}) @224: max |delta| = {maxError:G9}");
        Assert.Equal(0f, maxError);
    }

    [Theory]
    [MemberData(nameof(PngCases))]
    public void Png_ModeMatchesIndex(string name)
    {
        JsonElement entry = IndexEntry(Fixtures.GoldenPath("preprocess", "index.json"), name + ".png");
        ImageInfo info = ImageDecoder.Peek(Fixtures.GoldenPath("preprocess", name + ".png"));

        Assert.Equal(entry.GetProperty("mode").GetString(), info.Mode.ToString());
        Assert.Equal(entry.GetProperty("size_wh")[0].GetInt32(), info.Width);
        Assert.Equal(entry.GetProperty("size_wh")[1].GetInt32(), info.Height);
        (int rw, int rh) = ClipResizeGeometry.ResizedSize(info.Width, info.Height, 224);
        Assert.Equal(entry.GetProperty("resized_wh")[0].GetInt32(), rw);
        Assert.Equal(entry.GetProperty("resized_wh")[1].GetInt32(), rh);
        Assert.Equal(entry.GetProperty("crop_left_top")[0].GetInt32(), ClipResizeGeometry.CenterCropOffset(rw, 224));
        Assert.Equal(entry.GetProperty("crop_left_top")[1].GetInt32(), ClipResizeGeometry.CenterCropOffset(rh, 224));
    }

    [Fact]
    public void JpegDecodedPng_At224_MatchesReferenceExactly()
    {
        float[] expected = ReadPixelValues(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.safetensors"));
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.decoded.png"));

        float maxError = MaxAbsDiff(expected, ClipImageTransform.Default224.Apply(image));

        output.WriteLine($"photo_q90_640x480.decoded.png @224: max |delta| = {maxError:G9}");
        Assert.Equal(0f, maxError);
    }

    [Fact]
    public void Jpeg_At224_WithinOneGrayLevel()
    {
        float[] expected = ReadPixelValues(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.safetensors"));
        DecodedImage image = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));
        Assert.Equal(PixelMode.RGB, image.Mode);

        float[] actual = ClipImageTransform.Default224.Apply(image);

        AssertWithinOneLevel(expected, actual, 224, "photo_q90_640x480.jpg @224");
    }

    [Fact]
    public void Jpeg_DecodesLikeLibjpegTurboInPillow()
    {
        DecodedImage jpeg = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.jpg"));
        DecodedImage reference = ImageDecoder.Decode(Fixtures.GoldenPath("preprocess", "photo_q90_640x480.decoded.png"));

        int maxDiff = 0, differing = 0;
        for (int i = 0; i < jpeg.Pixels.Length; i++)
        {
            int d = Math.Abs(jpeg.Pixels[i] - reference.Pixels[i]);
            maxDiff = Math.Max(maxDiff, d);
            differing += d != 0 ? 1 : 0;
        }

        output.WriteLine($"JPEG decode vs Pillow's decoded pixels: max |delta| = {maxDiff} levels, {differing} of {jpeg.Pixels.Length} samples differ");
        Assert.True(maxDiff <= 1, $"JPEG samples differ from Pillow's by up to {maxDiff} levels.");
    }

    [Fact]
    public void HfBatch_At32_MatchesReference()
    {
        using var file = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "reference.safetensors"));
        var tensor = file.ReadTensor("pixel_values");
        Assert.Equal(new[] { 8, 3, 32, 32 }, tensor.Shape.ToArray());
        float[] all = tensor.ToArray();

        using JsonDocument images = JsonDocument.Parse(File.ReadAllText(Fixtures.GoldenPath("hf", "images.json")));
        var transform = new ClipImageTransform(32);
        int row = 0;
        foreach (JsonElement entry in images.RootElement.EnumerateArray())
        {
            string relative = entry.GetProperty("file").GetString()!;
            string path = Path.GetFullPath(Path.Combine(Fixtures.GoldenPath("hf"), relative));
            float[] expected = all.AsSpan(row * 3 * 32 * 32, 3 * 32 * 32).ToArray();
            DecodedImage image = ImageDecoder.Decode(path);
            Assert.Equal(entry.GetProperty("mode").GetString(), image.Mode.ToString());

            float[] actual = transform.Apply(image);

            if (path.EndsWith(".jpg", StringComparison.Ordinal))
            {
                AssertWithinOneLevel(expected, actual, 32, relative + " @32");
            }
            else
            {
                float maxError = MaxAbsDiff(expected, actual);
                output.WriteLine($"{relative} @32: max |delta| = {maxError:G9}");
                Assert.Equal(0f, maxError);
            }

            row++;
        }

        Assert.Equal(8, row);
    }

    private void AssertWithinOneLevel(float[] expected, float[] actual, int n, string label)
    {
        float maxError = 0f, maxLevels = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float std = ClipImageTransform.ClipStd[i / (n * n)];
            float d = Math.Abs(expected[i] - actual[i]);
            maxError = Math.Max(maxError, d);
            maxLevels = Math.Max(maxLevels, d * std * 255f);
        }

        output.WriteLine($"{label}: max |delta| = {maxError:G9} (= {maxLevels:F3} gray levels)");

        // One uint8 level after normalisation, plus float32 rounding of the two normalised values.
        Assert.True(maxLevels <= 1.0001f, $"{label}: max |delta| {maxError} is {maxLevels} gray levels, more than 1/255/std.");
    }

    private static float MaxAbsDiff(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        return max;
    }

    private static float[] ReadPixelValues(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        var tensor = file.ReadTensor("pixel_values");
        Assert.Equal(new[] { 3, 224, 224 }, tensor.Shape.ToArray());
        return tensor.ToArray();
    }

    private static JsonElement IndexEntry(string indexPath, string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(indexPath));
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("file").GetString() == file)
            {
                return e.Clone();
            }
        }

        throw new InvalidOperationException($"{file} is not listed in {indexPath}.");
    }
}
