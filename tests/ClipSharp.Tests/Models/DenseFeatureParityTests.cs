using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Models;

/// <summary>
/// The MaskCLIP dense features of the tiny reference models must match those that tests/fixtures/dense/make_dense.py
/// computed in PyTorch from the reference implementation's own intermediates.
/// </summary>
public sealed class DenseFeatureParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("vit_tiny", 4)]
    [InlineData("rn_tiny", 2)]
    public void DenseFeatures_MatchPyTorch(string name, int grid)
    {
        GoldenModel golden = GoldenModel.Load(name);
        ClipModel model = golden.CreateModel();
        Assert.Equal(grid, model.Visual.DenseGrid);

        Tensor dense = model.EncodeImageDense(golden.Images);

        Tensor expected = Expected(name);
        Assert.Equal([golden.Batch, grid * grid, model.Config.EmbedDim], dense.Shape.ToArray());
        double err = Compare.MaxAbs(dense.Span, expected.Span);
        output.WriteLine($"{name}: dense {dense.ShapeString} max abs error {err:E2} (abs-max {MaxAbs(expected.Span):F3})");
        Assert.True(err <= 1e-4, $"{name}: dense features differ from PyTorch by {err:E2}.");
    }

    [Theory]
    [InlineData("vit_tiny")]
    [InlineData("rn_tiny")]
    public void PackedInferenceWeights_GiveTheSameDenseFeatures(string name)
    {
        GoldenModel golden = GoldenModel.Load(name);
        Clip clip = Clip.Load(Fixtures.GoldenPath("model", name), Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Assert.NotEmpty(clip.Model.PackedWeights());

        Tensor dense = clip.Model.EncodeImageDense(golden.Images);

        double err = Compare.MaxAbs(dense.Span, Expected(name).Span);
        output.WriteLine($"{name} (packed weights): max abs error {err:E2}");
        Assert.True(err <= 1e-4, $"{name}: packed dense features differ from PyTorch by {err:E2}.");
    }

    [Fact]
    public void DenseFeatures_DoNotDependOnTheOtherImagesOfTheBatch()
    {
        GoldenModel golden = GoldenModel.Load("vit_tiny");
        ClipModel model = golden.CreateModel();
        Tensor all = model.EncodeImageDense(golden.Images);
        Tensor second = model.EncodeImageDense(golden.Images.Slice(1, 1));

        int cells = second.Span.Length;
        double err = Compare.MaxAbs(second.Span, all.Span.Slice(cells, cells));
        Assert.True(err <= 1e-5, $"image 1 alone differs from image 1 in the batch by {err:E2}.");
    }

    private static Tensor Expected(string name)
    {
        using var file = SafeTensorsFile.Open(Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "dense", name + ".safetensors"));
        return file.ReadTensor("dense");
    }

    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        float max = 0;
        foreach (float v in values)
        {
            max = MathF.Max(max, MathF.Abs(v));
        }

        return max;
    }
}
