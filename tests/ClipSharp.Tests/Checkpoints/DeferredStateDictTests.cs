using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

public sealed class DeferredStateDictTests
{
    public static TheoryData<string, string> Models() => new()
    {
        { "tiny", "f32" },
        { "openai", "f16" },
    };

    private static (string Model, string Vocab) Paths(string model) => model == "tiny"
        ? (Fixtures.TinyModel, Fixtures.TinyVocab)
        : (Fixtures.GoldenPath("hf", "openai"), Fixtures.RequireVocab(Fixtures.OpenAiMerges));

    [Theory]
    [MemberData(nameof(Models))]
    public void ReadingStraightIntoTheModelGivesTheEagerModel(string model, string dtype)
    {
        (string path, string vocab) = Paths(model);
        ClipCheckpoint eager = ModelFolder.Load(path, vocab);
        ClipCheckpoint deferred = ModelFolder.Load(path, vocab, deferWeights: true, cancellation: TestContext.Current.CancellationToken);
        Assert.IsType<DeferredStateDict>(deferred.StateDict);
        Assert.All(deferred.SourceDTypes.Values, d => Assert.Equal(dtype == "f16" ? SafeTensorsDType.F16 : SafeTensorsDType.F32, d));

        ClipModel fromEager = ClipModel.FromStateDict(eager.Config, eager.StateDict);
        ClipModel fromDeferred = ClipModel.FromStateDict(deferred.Config, deferred.StateDict);

        // Matrix weights are packed for inference in their stored precision (no copy in the store): f16 widens
        // exactly, float32 is the same values; the eager (training) model keeps everything in its store.
        Assert.NotEmpty(fromDeferred.PackedWeights());
        Assert.Empty(fromEager.PackedWeights());
        WeightPrecision precision = dtype == "f16" ? WeightPrecision.Float16 : WeightPrecision.Float32;
        Assert.All(fromDeferred.PackedWeights(), p => Assert.Equal(precision, p.Weight.Precision));
        Assert.Equal(
            fromEager.Parameters.Data.LongLength - fromDeferred.PackedWeights().Sum(p => (long)p.Weight.OutFeatures * p.Weight.InFeatures),
            fromDeferred.Parameters.Data.LongLength);

        IReadOnlyDictionary<string, Tensor> deferredValues = fromDeferred.StateDict();
        foreach (var (name, tensor) in fromEager.StateDict())
        {
            Assert.Equal(tensor.ToArray(), deferredValues[name].ToArray());
        }

        Assert.Equal(fromEager.Buffers.Data, fromDeferred.Buffers.Data);
    }

    [Fact]
    public void TheDictionaryViewReadsTheSameTensors()
    {
        ClipCheckpoint eager = ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab);
        ClipCheckpoint deferred = ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab, deferWeights: true, cancellation: TestContext.Current.CancellationToken);

        Assert.Equal(eager.StateDict.Count, deferred.StateDict.Count);
        Assert.Equal(eager.StateDict.Keys, deferred.StateDict.Keys);
        foreach (var (name, tensor) in eager.StateDict)
        {
            Assert.True(deferred.StateDict.TryGetValue(name, out Tensor? read));
            Assert.Equal(tensor.Shape.ToArray(), read.Shape.ToArray());
            Assert.Equal(tensor.ToArray(), read.ToArray());
        }

        // Once materialised, building a model copies from the tensors read; matrix weights are still packed.
        ClipModel model = ClipModel.FromStateDict(deferred.Config, deferred.StateDict);
        Assert.NotEmpty(model.PackedWeights());
        IReadOnlyDictionary<string, Tensor> values = model.StateDict();
        foreach (var (name, tensor) in ClipModel.FromStateDict(eager.Config, eager.StateDict).StateDict())
        {
            Assert.Equal(tensor.ToArray(), values[name].ToArray());
        }
    }

    [Fact]
    public void AShapeMismatchIsReportedFromTheHeaderWithoutReading()
    {
        ClipCheckpoint deferred = ModelFolder.Load(Fixtures.TinyModel, Fixtures.TinyVocab, deferWeights: true, cancellation: TestContext.Current.CancellationToken);
        ClipConfig wider = deferred.Config with { EmbedDim = deferred.Config.EmbedDim * 2 };

        var ex = Assert.Throws<StateDictMismatchException>(() => ClipModel.FromStateDict(wider, deferred.StateDict));

        Assert.Contains(ex.ShapeMismatches, m => m.StartsWith("text_projection (expected", StringComparison.Ordinal));
    }

    [Fact]
    public void AnIntegerWeightFailsClipLoadAsItFailsTheEagerLoad()
    {
        using var folder = new TempFolder();
        File.Copy(Path.Combine(Fixtures.TinyModel, "config.json"), folder.File("config.json"));
        string weights = folder.File("weights.safetensors");
        using (SafeTensorsFile source = SafeTensorsFile.Open(Path.Combine(Fixtures.TinyModel, "weights.safetensors")))
        {
            var writer = new SafeTensorsWriter();
            foreach (string name in source.Names)
            {
                if (name == "logit_scale")
                {
                    writer.AddInt32(name, new[] { 4 });
                }
                else
                {
                    writer.Add(name, source.ReadTensor(name));
                }
            }

            writer.Save(weights);
        }

        var eager = Assert.Throws<ModelLoadException>(() => ModelFolder.Load(weights, Fixtures.TinyVocab));
        var deferred = Assert.Throws<ModelLoadException>(() => Clip.Load(weights, Fixtures.TinyVocab, TestContext.Current.CancellationToken));

        Assert.Contains("'logit_scale'", deferred.Message, StringComparison.Ordinal);
        Assert.Equal(eager.Message, deferred.Message);
    }

    [Fact]
    public void ReadIntoRejectsADestinationOfAnotherSize()
    {
        string weights = Path.Combine(Fixtures.TinyModel, "weights.safetensors");
        using SafeTensorsFile file = SafeTensorsFile.Open(weights);
        string name = file.Names.First();
        var destination = new float[file.Info(name).ElementCount + 1];

        var ex = Assert.Throws<ArgumentException>(() => file.ReadInto(name, destination));

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }
}
