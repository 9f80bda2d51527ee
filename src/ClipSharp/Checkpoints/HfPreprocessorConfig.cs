using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSharp.IO;

namespace ClipSharp.Checkpoints;

/// <summary>Reads and writes the size, crop and normalisation of a Hugging Face <c>preprocessor_config.json</c> (<c>CLIPImageProcessor</c>).</summary>
public static class HfPreprocessorConfig
{
    public const string FileName = "preprocessor_config.json";

    public static PreprocessSettings ParseFile(string path, int defaultResolution)
        => Parse(File.ReadAllText(path), path, defaultResolution);

    /// <summary>A <c>CLIPImageProcessor</c> config: bicubic resize of the shorter side, center crop, rescale by 1/255, normalise.</summary>
    public static string ToJson(PreprocessSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // CLIP's own constants as published; others as the shortest decimal of the float.
        static JsonArray Triple(IReadOnlyList<float> v)
            => v.SequenceEqual(PreprocessSettings.ClipMean) ? new(0.48145466, 0.4578275, 0.40821073)
            : v.SequenceEqual(PreprocessSettings.ClipStd) ? new(0.26862954, 0.26130258, 0.27577711)
            : new(v.Select(x => (JsonNode)double.Parse(x.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray());
        var root = new JsonObject
        {
            ["crop_size"] = new JsonObject { ["height"] = settings.CropSize, ["width"] = settings.CropSize },
            ["do_center_crop"] = true,
            ["do_convert_rgb"] = true,
            ["do_normalize"] = true,
            ["do_rescale"] = true,
            ["do_resize"] = true,
            ["image_mean"] = Triple(settings.Mean),
            ["image_processor_type"] = "CLIPImageProcessor",
            ["image_std"] = Triple(settings.Std),
            ["resample"] = 3,
            ["rescale_factor"] = 1.0 / 255,
            ["size"] = new JsonObject { ["shortest_edge"] = settings.ResizeShortestEdge },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static void WriteFile(string path, PreprocessSettings settings, bool overwrite = false)
        => AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(ToJson(settings)), overwrite);

    /// <param name="json">The text of a preprocessor_config.json.</param>
    /// <param name="source">Where it came from, for messages.</param>
    /// <param name="defaultResolution">The model's input size, used for a missing size or crop.</param>
    public static PreprocessSettings Parse(string json, string source, int defaultResolution)
    {
        using JsonDocument doc = JsonConfig.Parse(json, source);
        JsonElement root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException($"{source}: a preprocessor config must be a JSON object.");
        }

        int resize = Size(root, "size", defaultResolution, source, shortestEdge: true);
        bool crop = !root.TryGetProperty("do_center_crop", out JsonElement dc) || dc.ValueKind != JsonValueKind.False;
        int cropSize = crop ? Size(root, "crop_size", resize, source, shortestEdge: false) : resize;
        if (cropSize > resize)
        {
            throw new CheckpointFormatException($"{source}: crop_size {cropSize} is larger than the resized shorter side {resize}.");
        }

        return new PreprocessSettings(
            resize,
            cropSize,
            Triple(root, "image_mean", PreprocessSettings.ClipMean, source, positive: false),
            Triple(root, "image_std", PreprocessSettings.ClipStd, source, positive: true));
    }

    private static int Size(JsonElement root, string name, int fallback, string source, bool shortestEdge)
    {
        if (!root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (e.ValueKind == JsonValueKind.Number)
        {
            return Positive(e, name, source);
        }

        if (e.ValueKind == JsonValueKind.Object)
        {
            if (shortestEdge && e.TryGetProperty("shortest_edge", out JsonElement se))
            {
                return Positive(se, name + ".shortest_edge", source);
            }

            if (e.TryGetProperty("height", out JsonElement h) && e.TryGetProperty("width", out JsonElement w))
            {
                int height = Positive(h, name + ".height", source), width = Positive(w, name + ".width", source);
                if (height != width)
                {
                    throw new CheckpointFormatException($"{source}: {name} is {width} x {height}; CLIP models take square images.");
                }

                return height;
            }
        }

        throw new CheckpointFormatException($"{source}: {name} is {e.GetRawText()}, not a size this loader understands.");
    }

    private static int Positive(JsonElement e, string name, string source)
        => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) && v > 0
            ? v
            : throw new CheckpointFormatException($"{source}: {name} is {e.GetRawText()}, not a positive integer.");

    private static IReadOnlyList<float> Triple(JsonElement root, string name, IReadOnlyList<float> fallback, string source, bool positive)
    {
        if (!root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 3
            || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number || !float.IsFinite(x.GetSingle()) || (positive && x.GetSingle() <= 0)))
        {
            throw new CheckpointFormatException(
                $"{source}: {name} is {e.GetRawText()}, not three finite{(positive ? " positive" : string.Empty)} numbers (R, G, B).");
        }

        return [.. e.EnumerateArray().Select(x => x.GetSingle())];
    }
}
