using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Testing;

namespace ClipSharp.Tests.Models;

/// <summary>One of the tiny reference models of tests/fixtures/golden/model, with its inputs.</summary>
internal sealed class GoldenModel
{
    private GoldenModel(string name, ClipConfig config, Dictionary<string, Tensor> stateDict, Tensor images, int[] texts)
    {
        Name = name;
        Config = config;
        StateDict = stateDict;
        Images = images;
        Texts = texts;
    }

    public string Name { get; }

    public ClipConfig Config { get; }

    /// <summary>Every tensor of weights.safetensors, num_batches_tracked counters included (as floats).</summary>
    public Dictionary<string, Tensor> StateDict { get; }

    public Tensor Images { get; }

    public int[] Texts { get; }

    public int Batch => Images.Dim(0);

    public int TextBatch => Texts.Length / Config.ContextLength;

    public string Path(string file) => Fixtures.GoldenPath("model", Name, file);

    public static GoldenModel Load(string name)
    {
        string folder = Fixtures.GoldenPath("model", name);
        ClipConfig config = ReadConfig(System.IO.Path.Combine(folder, "config.json"));

        var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var weights = SafeTensorsFile.Open(System.IO.Path.Combine(folder, "weights.safetensors")))
        {
            foreach (string n in weights.Names)
            {
                SafeTensorInfo info = weights.Info(n);
                stateDict[n] = info.DType is SafeTensorsDType.I64 or SafeTensorsDType.I32
                    ? new Tensor(Array.ConvertAll(weights.ReadInt32(n), v => (float)v), info.Shape)
                    : weights.ReadTensor(n);
            }
        }

        using var inputs = SafeTensorsFile.Open(System.IO.Path.Combine(folder, "inputs.safetensors"));
        return new GoldenModel(name, config, stateDict, inputs.ReadTensor("images"), inputs.ReadInt32("texts"));
    }

    public ClipModel CreateModel() => ClipModel.FromStateDict(Config, StateDict.AsReadOnly());

    /// <summary>constructor_args + derived.vision_heads: no inference from tensor shapes.</summary>
    public static ClipConfig ReadConfig(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement args = doc.RootElement.GetProperty("constructor_args");
        JsonElement layers = args.GetProperty("vision_layers");
        int[] visionLayers = layers.ValueKind == JsonValueKind.Array
            ? [.. layers.EnumerateArray().Select(e => e.GetInt32())]
            : [layers.GetInt32()];
        JsonElement patch = args.GetProperty("vision_patch_size");
        return new ClipConfig(
            args.GetProperty("embed_dim").GetInt32(),
            args.GetProperty("image_resolution").GetInt32(),
            visionLayers,
            args.GetProperty("vision_width").GetInt32(),
            patch.ValueKind == JsonValueKind.Null ? null : patch.GetInt32(),
            args.GetProperty("context_length").GetInt32(),
            args.GetProperty("vocab_size").GetInt32(),
            args.GetProperty("transformer_width").GetInt32(),
            args.GetProperty("transformer_heads").GetInt32(),
            args.GetProperty("transformer_layers").GetInt32())
        {
            VisionHeads = doc.RootElement.GetProperty("derived").GetProperty("vision_heads").GetInt32(),
        };
    }
}
