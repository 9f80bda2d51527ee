using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Testing;
using ClipSharp.Tests.Models;
using ClipSharp.Training;

namespace ClipSharp.Distributed.Tests;

/// <summary>A golden model (the ViT by default) as a model folder the ranks load, and its inputs, in a temporary folder of the test's own.</summary>
internal sealed class GoldenJob : IDisposable
{
    public GoldenJob(string name = "vit_tiny")
    {
        Root = Directory.CreateTempSubdirectory("clipsharp-mpi-").FullName;
        Golden = GoldenModel.Load(name);
        ClipModel model = Golden.CreateModel();
        ModelFolder = RunCheckpoint.Write(
            Path.Combine(Root, "model"), model, new AdamW(model.Parameters.Layout), new RunCheckpointState(0, default, 0, 0f, 0),
            TokenizerFiles.OpenAi(Fixtures.TinyVocab), PreprocessSettings.ForResolution(model.Config.ImageResolution));
    }

    public string Root { get; }

    public GoldenModel Golden { get; }

    /// <summary>The golden model's weights with the architecture as metadata.</summary>
    public string ModelFolder { get; }

    /// <summary>The golden global batch: images [B, 3, R, R] and texts [B, ctx].</summary>
    public string Inputs => Golden.Path("inputs.safetensors");

    public string Folder(string name) => Path.Combine(Root, name);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
