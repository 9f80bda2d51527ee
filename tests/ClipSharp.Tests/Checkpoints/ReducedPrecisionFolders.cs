using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Conversion;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

/// <summary>The golden tiny models converted through the real converter, and hand-edited copies of them.</summary>
internal static class ReducedPrecisionFolders
{
    public static string Original(string model) => Fixtures.GoldenPath("model", model);

    // model: vit_tiny or rn_tiny -> temp/<model>-<dtype>, an OpenAI-layout folder.
    public static string Convert(TempFolder temp, string model, SafeTensorsDType dtype)
    {
        string target = temp.File($"{model}-{dtype}");
        ClipCheckpoint checkpoint = ModelFolder.Load(Original(model), Fixtures.TinyVocab);
        ModelConverter.Convert(checkpoint, target, ModelLayout.OpenAi, dtype);
        return target;
    }

    /// <summary>A copy of <paramref name="folder"/> whose weights file has passed through <paramref name="edit"/>.</summary>
    public static string Rewrite(TempFolder temp, string folder, string name, Action<Dictionary<string, Stored>> edit)
    {
        string target = temp.File(name);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(folder))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        string weights = Path.Combine(target, ModelConverter.OpenAiWeightsFileName);
        Dictionary<string, Stored> tensors;
        Dictionary<string, string> metadata;
        using (var file = SafeTensorsFile.Open(weights))
        {
            metadata = new Dictionary<string, string>(file.Metadata);
            tensors = file.Tensors.ToDictionary(
                t => t.Name,
                t => t.DType == SafeTensorsDType.I8
                    ? new Stored(t.Shape, null, file.RawBytes(t.Name).ToArray().Select(b => (sbyte)b).ToArray())
                    : new Stored(t.Shape, file.ReadTensor(t.Name).ToArray(), null),
                StringComparer.Ordinal);
        }

        edit(tensors);
        var writer = new SafeTensorsWriter();
        foreach (var (key, value) in metadata)
        {
            writer.AddMetadata(key, value);
        }

        foreach (var (tensorName, t) in tensors)
        {
            if (t.Int8 is not null)
            {
                writer.AddInt8(tensorName, t.Int8, t.Shape);
            }
            else
            {
                writer.Add(tensorName, t.Floats!, t.Shape);
            }
        }

        writer.Save(weights, overwrite: true);
        return target;
    }

    internal sealed record Stored(int[] Shape, float[]? Floats, sbyte[]? Int8);
}
