using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Conversion;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Bench;

/// <summary>
/// The files every runtime of the <c>clip</c> benchmark reads: a random ViT-B/32 as OpenAI-named safetensors,
/// the fixed inputs, and the ONNX export of the same weights. Generated once into an ignored folder.
/// </summary>
internal sealed class ClipArtifacts
{
    public const int Context = 77;
    public const int ImageBatch = 32;
    private const int Seed = 2024;

    private ClipArtifacts(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string Weights => Path.Combine(Folder, "vit_b32_random.safetensors");

    public string Inputs => Path.Combine(Folder, "inputs.safetensors");

    public string ImageOnnx => Path.Combine(Folder, "vit_b32_image.onnx");

    public string TextOnnx => Path.Combine(Folder, "vit_b32_text.onnx");

    /// <summary>The random model converted by <c>clip convert --dtype</c>'s converter: an OpenAI-layout folder.</summary>
    public string Converted(string dtype) => Path.Combine(Folder, $"vit_b32_{dtype}");

    public string ConvertedWeights(string dtype) => Path.Combine(Converted(dtype), ModelConverter.OpenAiWeightsFileName);

    public string Outputs(string runtime) => Path.Combine(Folder, $"outputs_{runtime}.safetensors");

    public static string RepoRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "ClipSharp.sln")))
            {
                return dir;
            }
        }

        throw new DirectoryNotFoundException($"no ClipSharp.sln above {AppContext.BaseDirectory}; run the benchmark from the repository.");
    }

    public static string TinyVocab => Path.Combine(RepoRoot(), "tests", "fixtures", "tiny-bpe", "bpe_tiny_1000.txt.gz");

    public static ClipArtifacts At(string folder) => new(Path.GetFullPath(folder));

    // Writes the weights and inputs when missing; the ONNX files come from the Python script (see ClipBenchmark).
    public void EnsureModelAndInputs()
    {
        Directory.CreateDirectory(Folder);
        if (!File.Exists(Weights))
        {
            ClipModel model = ClipModel.Create(ClipPresets.Get("ViT-B/32"), Seed);
            var writer = new SafeTensorsWriter();
            foreach ((string name, Tensor value) in model.StateDict())
            {
                writer.Add(name, value);
            }

            writer.Save(Weights, overwrite: true);
        }

        if (!File.Exists(Inputs))
        {
            var random = new Random(Seed);
            var pixels = new float[ImageBatch * 3 * 224 * 224];
            for (int i = 0; i < pixels.Length; i++)
            {
                // Roughly the spread of normalised pixels.
                pixels[i] = (float)((random.NextDouble() * 4) - 2);
            }

            var tokens77 = new int[ImageBatch * Context];
            for (int b = 0; b < ImageBatch; b++)
            {
                tokens77[b * Context] = 49406;
                for (int t = 1; t < Context - 1; t++)
                {
                    tokens77[(b * Context) + t] = random.Next(256, 49406);
                }

                tokens77[(b * Context) + Context - 1] = 49407;
            }

            int[] captions = CaptionTokens(out int count);
            new SafeTensorsWriter()
                .AddMetadata("captions", "tests/fixtures/golden/tokenizer/cases.jsonl, reference tokenization (tokens)")
                .Add("pixels", pixels, [ImageBatch, 3, 224, 224])
                .AddInt32("tokens77", tokens77, ImageBatch, Context)
                .AddInt32("captions", captions, count, Context)
                .Save(Inputs, overwrite: true);
        }
    }

    // Converts the f32 weights once (f16 or int8) through the real converter; later runs reuse the folder.
    public void EnsureConverted(string dtype)
    {
        if (File.Exists(ConvertedWeights(dtype)))
        {
            return;
        }

        EnsureModelAndInputs();
        SafeTensorsDType type = dtype switch
        {
            "f16" => SafeTensorsDType.F16,
            "int8" => SafeTensorsDType.I8,
            _ => throw new ArgumentException($"--dtype takes f16 or int8, not '{dtype}'."),
        };
        ClipCheckpoint checkpoint = ModelFolder.Load(Weights, TinyVocab);
        ModelConverter.Convert(checkpoint, Converted(dtype), ModelLayout.OpenAi, type, overwrite: true);
    }

    // The 300 strings of the golden tokenizer cases (captions, punctuation, scripts, long texts), as the reference
    // tokenizer wrote them: the fixture stores the 77-id rows, so the real vocabulary is not needed here.
    private static int[] CaptionTokens(out int count)
    {
        string path = Path.Combine(RepoRoot(), "tests", "fixtures", "golden", "tokenizer", "cases.jsonl");
        var rows = new List<int>();
        count = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            using JsonDocument doc = JsonDocument.Parse(line);
            foreach (JsonElement id in doc.RootElement.GetProperty("tokens").EnumerateArray())
            {
                rows.Add(id.GetInt32());
            }

            count++;
        }

        return [.. rows];
    }
}
