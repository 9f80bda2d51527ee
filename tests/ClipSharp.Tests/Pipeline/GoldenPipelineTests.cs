using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Imaging;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Tests.Models;

namespace ClipSharp.Tests.Pipeline;

/// <summary>
/// End to end, as a user runs it: a model folder (Hugging Face or OpenAI layout), image files and caption
/// strings in, embeddings and logits out, against what the reference computed for the same files (hf/ fixtures).
/// </summary>
public sealed class GoldenPipelineTests(ITestOutputHelper output)
{
    // The fixture README: an independent float32 implementation matched to ~1e-6; atol 1e-5 is a fair bar.
    private const double Atol = 1e-5;

    public static TheoryData<string> Layouts => ["hf", "openai"];

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ReproducesReferenceFromFilesAndCaptions(string layout)
    {
        Clip clip = LoadFixture(layout);
        string[] captions = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Fixtures.GoldenPath("hf", "captions.json")))!;
        string[] images = ImagePaths();
        using var reference = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "reference.safetensors"));

        int[] tokens = clip.Tokenizer.TokenizeBatch(captions, clip.Model.Config.ContextLength);
        Assert.Equal(reference.ReadInt32("tokens"), tokens);

        IReadOnlyList<EmbeddingResult> imageResults = clip.EncodeImageFiles(images, normalize: false, cancellation: TestContext.Current.CancellationToken);
        Assert.All(imageResults, r => Assert.True(r.Success, r.Error));
        var encodeImage = new Tensor(imageResults.SelectMany(r => r.Embedding!).ToArray(), images.Length, clip.EmbedDim);
        Tensor encodeText = clip.EncodeTexts(captions, normalize: false);
        (Tensor logitsPerImage, Tensor logitsPerText) = clip.Model.Logits(encodeImage, encodeText);

        Report(layout, "encode_image", encodeImage, reference.ReadTensor("encode_image"));
        Report(layout, "encode_text", encodeText, reference.ReadTensor("encode_text"));
        Report(layout, "image_features_normalized", clip.EncodeImageFiles(images, cancellation: TestContext.Current.CancellationToken).SelectMany(r => r.Embedding!).ToArray(), reference.ReadTensor("image_features_normalized"));
        Report(layout, "text_features_normalized", clip.EncodeTexts(captions), reference.ReadTensor("text_features_normalized"));
        Report(layout, "logits_per_image", logitsPerImage, reference.ReadTensor("logits_per_image"));
        Report(layout, "logits_per_text", logitsPerText, reference.ReadTensor("logits_per_text"));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void PreprocessesFilesLikeTheReference(string layout)
    {
        Clip clip = LoadFixture(layout);
        using var reference = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "reference.safetensors"));
        float[] expected = reference.ReadTensor("pixel_values").ToArray();
        string[] images = ImagePaths();
        int plane = 3 * 32 * 32;
        for (int i = 0; i < images.Length; i++)
        {
            float[] actual = clip.ImageTransform.Apply(ImageDecoder.Decode(images[i]));
            Assert.Equal(expected.AsSpan(i * plane, plane).ToArray(), actual);
        }
    }

    [Fact]
    public void BothLayoutsGiveIdenticalEmbeddings()
    {
        Clip hf = LoadFixture("hf");
        Clip openAi = LoadFixture("openai");
        string[] captions = ["a photo of a cat", "Zürich at night, 1999"];
        Assert.Equal(hf.EncodeTexts(captions).ToArray(), openAi.EncodeTexts(captions).ToArray());
        string[] images = ImagePaths();
        Assert.Equal(
            hf.EncodeImageFiles(images, cancellation: TestContext.Current.CancellationToken).SelectMany(r => r.Embedding!).ToArray(),
            openAi.EncodeImageFiles(images, cancellation: TestContext.Current.CancellationToken).SelectMany(r => r.Embedding!).ToArray());
    }

    [Fact]
    public void ABadImageInABatchIsReportedAndTheOthersAreStillEmbedded()
    {
        Clip clip = LoadFixture("openai");
        string missing = Path.Combine(Path.GetTempPath(), $"clipsharp-missing-{Guid.NewGuid():N}.png");
        string[] images = [ImagePaths()[0], missing, ImagePaths()[2]];
        IReadOnlyList<EmbeddingResult> results = clip.EncodeImageFiles(images, cancellation: TestContext.Current.CancellationToken);
        Assert.True(results[0].Success);
        Assert.False(results[1].Success);
        Assert.Contains(missing, results[1].Error, StringComparison.Ordinal);
        Assert.True(results[2].Success);
        Assert.Equal(clip.EncodeImageFiles([images[2]], cancellation: TestContext.Current.CancellationToken)[0].Embedding, results[2].Embedding);
    }

    internal static Clip LoadFixture(string layout)
    {
        string vocab = layout == "hf"
            ? Path.GetDirectoryName(Fixtures.RequireVocab(Fixtures.HfVocabJson))!
            : Fixtures.RequireVocab(Fixtures.OpenAiMerges);
        return Clip.Load(Fixtures.GoldenPath("hf", layout), vocab, TestContext.Current.CancellationToken);
    }

    internal static string[] ImagePaths()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Fixtures.GoldenPath("hf", "images.json")));
        return [.. doc.RootElement.EnumerateArray().Select(e => Path.GetFullPath(Path.Combine(Fixtures.GoldenPath("hf"), e.GetProperty("file").GetString()!)))];
    }

    private void Report(string layout, string name, float[] actual, Tensor expected)
        => Report(layout, name, new Tensor(actual, [.. expected.Shape]), expected);

    private void Report(string layout, string name, Tensor actual, Tensor expected)
    {
        output.WriteLine($"{layout} {name}: max |Δ| = {Compare.MaxAbs(actual.Span, expected.Span):E2}");
        Compare.Close($"{layout} {name}", actual, expected, Atol, 0);
    }
}
