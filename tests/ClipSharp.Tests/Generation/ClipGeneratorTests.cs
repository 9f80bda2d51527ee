using ClipSharp.Checkpoints;
using ClipSharp.Generation;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Testing;
using ClipSharp.Tests.Layers;
using ClipSharp.Text;

namespace ClipSharp.Tests.Generation;

/// <summary>The pieces of guided synthesis and the generator on the tiny golden ViT (random weights).</summary>
public sealed class ClipGeneratorTests
{
    private static readonly Lazy<Clip> s_tiny = new(
        () => Clip.FromCheckpoint(ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab)));

    [Theory]
    [InlineData(0, 0, 12, 12, 32)]
    [InlineData(1.5, 2.25, 8.5, 12, 7)]
    [InlineData(0, 0, 3, 3, 12)]
    public void TheAdjointIsTheTransposeOfTheResampling(double left, double top, double side, int n, int m)
    {
        var window = new BilinearWindow(left, top, side);
        float[] x = LayerHarness.Random(3 * n * n, 1);
        float[] y = LayerHarness.Random(3 * m * m, 2);
        var sampled = new float[y.Length];
        window.Sample(x, n, sampled, m, 3);
        var adjoint = new float[x.Length];
        window.Adjoint(y, m, adjoint, n, 3);
        Assert.Equal(GradCheck.Dot(y, sampled), GradCheck.Dot(x, adjoint), 4);
    }

    [Fact]
    public void TheWholeWindowAtTheSameSizeIsTheIdentity()
    {
        float[] x = LayerHarness.Random(3 * 9 * 9, 3);
        var y = new float[x.Length];
        BilinearWindow.Whole(9).Sample(x, 9, y, 9, 3);
        Assert.Equal(x, y);
    }

    [Fact]
    public void PyramidGradientsMatchFiniteDifferences()
    {
        ImagePyramid pyramid = ImagePyramid.Create(10, new GenerationRandom(4), 0.5f);
        float[] weights = LayerHarness.Random(3 * 10 * 10, 5);
        var rgb = new float[weights.Length];
        double Loss()
        {
            pyramid.Render(rgb);
            return GradCheck.Dot(weights, rgb);
        }

        Loss();
        var dValues = new float[pyramid.Values.Length];
        pyramid.Backward(weights, dValues);
        GradCheck.Check("pyramid", pyramid.Values, dValues, Loss, samples: 40, step: 1e-2f);
        Assert.True(pyramid.Values.Length > rgb.Length, "the pyramid has coarser levels than the image");
    }

    [Fact]
    public void TotalVariationGradientsMatchFiniteDifferences()
    {
        float[] rgb = LayerHarness.Random(3 * 6 * 6, 6);
        var dRgb = new float[rgb.Length];
        double Loss() => TotalVariation.Accumulate(rgb, 6, 1f, new float[rgb.Length]);
        TotalVariation.Accumulate(rgb, 6, 1f, dRgb);
        GradCheck.Check("tv", rgb, dRgb, Loss, samples: rgb.Length, step: 1e-2f);
        Assert.Equal(0, TotalVariation.Accumulate(new float[3 * 6 * 6], 6, 1f, new float[3 * 6 * 6]));
    }

    [Theory]
    [InlineData(ImageParametrization.Pyramid)]
    [InlineData(ImageParametrization.RawPixels)]
    public void TheCosineRisesAndTheSameSeedGivesTheSameImage(ImageParametrization parametrization)
    {
        var options = new GeneratorOptions { Steps = 12, Seed = 7, Views = 2, FrameEvery = 5, Parametrization = parametrization };
        ClipGenerator generator = ClipGenerator.Create(s_tiny.Value, options);
        GenerationResult first = generator.Generate("a red star", cancellation: TestContext.Current.CancellationToken);
        GenerationResult second = generator.Generate("a red star", cancellation: TestContext.Current.CancellationToken);

        Assert.Equal(first.Image.Pixels.ToArray(), second.Image.Pixels.ToArray());
        Assert.Equal(12, first.Trajectory.Count);
        Assert.Equal([0, 5, 10, 12], first.Frames.Select(f => f.Step));
        Assert.Equal(first.Similarity, first.Frames[^1].Similarity);
        Assert.True(first.Similarity > first.Frames[0].Similarity + 0.01f, $"cosine {first.Frames[0].Similarity} -> {first.Similarity}");
        Assert.Equal(s_tiny.Value.ImageTransform.Resolution, first.Image.Width);

        GenerationResult other = ClipGenerator.Create(s_tiny.Value, options with { Seed = 8 }).Generate("a red star", cancellation: TestContext.Current.CancellationToken);
        Assert.NotEqual(first.Image.Pixels.ToArray(), other.Image.Pixels.ToArray());
    }

    [Fact]
    public void TheImageCanBeLargerThanTheModelsInput()
    {
        GenerationResult made = ClipGenerator.Create(s_tiny.Value, new GeneratorOptions { Steps = 2, Size = 80 })
            .Generate("a blue circle", cancellation: TestContext.Current.CancellationToken);
        Assert.Equal(80, made.Image.Width);
        Assert.Equal(80, made.Image.Height);
    }

    [Fact]
    public void BadOptionsAndAResNetAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipGenerator.Create(s_tiny.Value, new GeneratorOptions { Steps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipGenerator.Create(s_tiny.Value, new GeneratorOptions { Size = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipGenerator.Create(s_tiny.Value, new GeneratorOptions { MinCropScale = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipGenerator.Create(s_tiny.Value, new GeneratorOptions { LearningRate = double.NaN }));
        Assert.Throws<ArgumentException>(() => ClipGenerator.Create(s_tiny.Value).Generate(" ", cancellation: TestContext.Current.CancellationToken));

        var config = new ClipConfig(64, 64, [1, 1, 1, 1], 32, null, 16, 1000, 64, 2, 1);
        var resNet = new Clip(ClipModel.Create(config), ClipTokenizer.Create(Fixtures.TinyVocab), new ClipImageTransform(64), "resnet");
        Assert.Throws<NotSupportedException>(() => ClipGenerator.Create(resNet));
    }

    [Fact]
    public void FramesAreWrittenAsNumberedPngsAndNotReplacedWithoutOverwrite()
    {
        string folder = Directory.CreateTempSubdirectory("clipsharp-frames-").FullName;
        try
        {
            GenerationResult made = ClipGenerator.Create(s_tiny.Value, new GeneratorOptions { Steps = 4, FrameEvery = 2 })
                .Generate("a green ring", cancellation: TestContext.Current.CancellationToken);
            IReadOnlyList<string> paths = TrajectoryFolder.Save(Path.Combine(folder, "frames"), made.Frames);
            Assert.Equal(["frame-0000.png", "frame-0002.png", "frame-0004.png"], paths.Select(Path.GetFileName));
            DecodedImage last = ImageDecoder.Decode(paths[^1]);
            Assert.Equal(made.Image.Pixels.ToArray(), last.Pixels.ToArray());
            Assert.Throws<IOException>(() => TrajectoryFolder.Save(Path.Combine(folder, "frames"), made.Frames));
            TrajectoryFolder.Save(Path.Combine(folder, "frames"), made.Frames, overwrite: true);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
