using ClipSharp.Checkpoints;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using ClipSharp.Testing;
using ClipSharp.Tests.Checkpoints;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Models;

// The golden models converted to f16 / int8 by the real converter and loaded for inference (weights kept packed
// in that precision) give embeddings whose every row points where the float32 model's does.
public sealed class ReducedPrecisionFidelityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("vit_tiny", "F16", 0.9999)]
    [InlineData("vit_tiny", "I8", 0.995)]
    [InlineData("rn_tiny", "F16", 0.9999)]
    [InlineData("rn_tiny", "I8", 0.995)]
    public void Embeddings_MatchFloat32_ByCosine(string model, string dtypeName, double minCosine)
    {
        SafeTensorsDType dtype = Enum.Parse<SafeTensorsDType>(dtypeName);
        using var temp = new TempFolder();
        string folder = ReducedPrecisionFolders.Convert(temp, model, dtype);
        Clip reference = Clip.Load(ReducedPrecisionFolders.Original(model), Fixtures.TinyVocab, TestContext.Current.CancellationToken);
        Clip reduced = Clip.Load(folder, null, TestContext.Current.CancellationToken);

        // The matrix weights are held packed in the stored precision, with no float32 copy in the store.
        var packed = reduced.Model.PackedWeights().ToList();
        Assert.NotEmpty(packed);
        WeightPrecision expected = dtype == SafeTensorsDType.F16 ? WeightPrecision.Float16 : WeightPrecision.Int8;
        Assert.All(packed, p => Assert.Equal(expected, p.Weight.Precision));
        long packedFloats = packed.Sum(p => (long)p.Weight.OutFeatures * p.Weight.InFeatures);
        Assert.Equal(reference.Model.ParameterCount - packedFloats, reduced.Model.Parameters.Data.LongLength);
        Assert.Contains(packed, p => p.Name == "text_projection");
        Assert.Contains(packed, p => p.Name == (model == "vit_tiny" ? "visual.conv1.weight" : "visual.layer2.0.conv2.weight"));

        using var inputs = SafeTensorsFile.Open(Fixtures.GoldenPath("model", model, "inputs.safetensors"));
        Tensor images = inputs.ReadTensor("images");
        int[] texts = inputs.ReadInt32("texts");
        int batch = texts.Length / reference.Model.Config.ContextLength;

        double imageWorst = WorstCosine(reference.Model.EncodeImage(images), reduced.Model.EncodeImage(images));
        double textWorst = WorstCosine(reference.Model.EncodeText(texts, batch), reduced.Model.EncodeText(texts, batch));
        output.WriteLine($"{model} {dtype}: worst row cosine image {imageWorst:F7}, text {textWorst:F7}");
        Assert.True(imageWorst >= minCosine, $"{model} {dtype}: image cosine {imageWorst}");
        Assert.True(textWorst >= minCosine, $"{model} {dtype}: text cosine {textWorst}");
    }

    private static double WorstCosine(Tensor a, Tensor b)
    {
        int rows = a.Dim(0);
        int e = a.Dim(1);
        double worst = 1;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = a.Span.Slice(r * e, e);
            ReadOnlySpan<float> y = b.Span.Slice(r * e, e);
            double dot = 0, xx = 0, yy = 0;
            for (int i = 0; i < e; i++)
            {
                dot += (double)x[i] * y[i];
                xx += (double)x[i] * x[i];
                yy += (double)y[i] * y[i];
            }

            worst = Math.Min(worst, dot / Math.Sqrt(xx * yy));
        }

        return worst;
    }
}
