using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSharp.IO;
using ClipSharp.Models;

namespace ClipSharp.Checkpoints;

/// <summary>
/// Reads and writes the <c>config.json</c> of a Hugging Face <c>CLIPModel</c> (<c>CLIPConfig</c>). Missing fields
/// take transformers' <c>CLIPTextConfig</c>/<c>CLIPVisionConfig</c> defaults (the ViT-B/32 sizes).
/// </summary>
public static class HfClipConfig
{
    // transformers' defaults for fields a config.json may leave out.
    private const int DefaultProjectionDim = 512;
    private const int DefaultTextVocab = 49408, DefaultTextHidden = 512, DefaultTextLayers = 12, DefaultTextHeads = 8, DefaultTextPositions = 77;
    private const int DefaultVisionHidden = 768, DefaultVisionLayers = 12, DefaultVisionHeads = 12, DefaultImageSize = 224, DefaultPatchSize = 32;
    private const string DefaultActivation = "quick_gelu";
    private const double LayerNormEps = 1e-5;

    public static ClipConfig ParseFile(string path) => Parse(File.ReadAllText(path), path);

    /// <param name="json">The text of a config.json.</param>
    /// <param name="source">The file or description the JSON came from, for messages.</param>
    public static ClipConfig Parse(string json, string source)
    {
        using JsonDocument doc = JsonConfig.Parse(json, source);
        JsonElement root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException($"{source}: a CLIPConfig must be a JSON object.");
        }

        string? modelType = root.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString() : null;
        if (modelType != "clip")
        {
            throw new CheckpointFormatException(
                $"{source}: model_type is {(modelType is null ? "missing" : $"'{modelType}'")}; only Hugging Face 'clip' (CLIPModel) configs are supported.");
        }

        JsonElement text = Section(root, "text_config", source);
        JsonElement vision = Section(root, "vision_config", source);
        int embedDim = Int(root, "projection_dim", DefaultProjectionDim, source);

        int textWidth = Int(text, "hidden_size", DefaultTextHidden, source, "text_config.");
        CheckCommon(text, textWidth, source, "text_config.");
        int visionWidth = Int(vision, "hidden_size", DefaultVisionHidden, source, "vision_config.");
        CheckCommon(vision, visionWidth, source, "vision_config.");

        ActivationKind textAct = Activation(text, source, "text_config.");
        ActivationKind visionAct = Activation(vision, source, "vision_config.");
        if (textAct != visionAct)
        {
            throw new CheckpointFormatException(
                $"{source}: text_config.hidden_act and vision_config.hidden_act differ; this implementation uses one activation for both towers.");
        }

        int channels = Int(vision, "num_channels", 3, source, "vision_config.");
        if (channels != 3)
        {
            throw new CheckpointFormatException($"{source}: vision_config.num_channels is {channels}; CLIP takes RGB images (3).");
        }

        int imageSize = Int(vision, "image_size", DefaultImageSize, source, "vision_config.");
        int patchSize = Int(vision, "patch_size", DefaultPatchSize, source, "vision_config.");
        if (patchSize <= 0 || imageSize % patchSize != 0)
        {
            throw new CheckpointFormatException($"{source}: vision_config.image_size {imageSize} is not a multiple of vision_config.patch_size {patchSize}.");
        }

        return new ClipConfig(
            embedDim,
            imageSize,
            [Int(vision, "num_hidden_layers", DefaultVisionLayers, source, "vision_config.")],
            visionWidth,
            patchSize,
            Int(text, "max_position_embeddings", DefaultTextPositions, source, "text_config."),
            Int(text, "vocab_size", DefaultTextVocab, source, "text_config."),
            textWidth,
            Int(text, "num_attention_heads", DefaultTextHeads, source, "text_config."),
            Int(text, "num_hidden_layers", DefaultTextLayers, source, "text_config."))
        {
            VisionHeads = Int(vision, "num_attention_heads", DefaultVisionHeads, source, "vision_config."),
            Activation = textAct,
        };
    }

    /// <summary>A CLIPConfig JSON for a Vision Transformer config (HF CLIPModel has no ResNet tower).</summary>
    public static string ToJson(ClipConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.IsVisionTransformer)
        {
            throw new ArgumentException("a Hugging Face CLIPModel has only a Vision Transformer tower; this config is a ModifiedResNet.", nameof(config));
        }

        string act = config.Activation == ActivationKind.QuickGelu ? "quick_gelu" : "gelu";
        var text = new JsonObject
        {
            ["model_type"] = "clip_text_model",
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.TransformerWidth,
            ["intermediate_size"] = 4 * config.TransformerWidth,
            ["num_hidden_layers"] = config.TransformerLayers,
            ["num_attention_heads"] = config.TransformerHeads,
            ["max_position_embeddings"] = config.ContextLength,
            ["hidden_act"] = act,
            ["layer_norm_eps"] = LayerNormEps,
            ["projection_dim"] = config.EmbedDim,

            // The ids of OpenAI's published configs: with them transformers pools at argmax(input_ids), like the reference.
            ["bos_token_id"] = 0,
            ["eos_token_id"] = 2,
            ["pad_token_id"] = 1,
        };
        var vision = new JsonObject
        {
            ["model_type"] = "clip_vision_model",
            ["hidden_size"] = config.VisionWidth,
            ["intermediate_size"] = 4 * config.VisionWidth,
            ["num_hidden_layers"] = config.VisionLayers[0],
            ["num_attention_heads"] = config.VisionHeads,
            ["image_size"] = config.ImageResolution,
            ["patch_size"] = config.VisionPatchSize!.Value,
            ["num_channels"] = 3,
            ["hidden_act"] = act,
            ["layer_norm_eps"] = LayerNormEps,
            ["projection_dim"] = config.EmbedDim,
        };
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = config.EmbedDim,

            // Only the initial value of the trained logit_scale parameter, ln(1/0.07).
            ["logit_scale_init_value"] = 2.6592,
            ["text_config"] = text,
            ["vision_config"] = vision,
            ["torch_dtype"] = "float32",
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    public static void WriteFile(string path, ClipConfig config, bool overwrite = false)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(ToJson(config));
        AtomicFile.WriteAllBytes(path, bytes, overwrite);
    }

    private static JsonElement Section(JsonElement root, string name, string source)
    {
        // Early CLIP configs on the hub also carried the sections as "<name>_dict".
        foreach (string key in (string[])[name, name + "_dict"])
        {
            if (root.TryGetProperty(key, out JsonElement e) && e.ValueKind == JsonValueKind.Object)
            {
                return e;
            }
        }

        if (root.TryGetProperty(name, out JsonElement bad) && bad.ValueKind != JsonValueKind.Null)
        {
            throw new CheckpointFormatException($"{source}: {name} is a JSON {bad.ValueKind}, not an object.");
        }

        // Absent: every field takes its default.
        using JsonDocument empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }

    private static void CheckCommon(JsonElement section, int hidden, string source, string prefix)
    {
        int heads = Int(section, "num_attention_heads", 1, source, prefix);
        if (hidden % heads != 0)
        {
            throw new CheckpointFormatException(
                $"{source}: {prefix}num_attention_heads {heads} does not divide {prefix}hidden_size {hidden}.");
        }

        int intermediate = Int(section, "intermediate_size", 4 * hidden, source, prefix);
        if (intermediate != 4 * hidden)
        {
            throw new CheckpointFormatException(
                $"{source}: {prefix}intermediate_size is {intermediate}, but CLIP's MLP is 4 x {prefix}hidden_size = {4 * hidden}.");
        }

        if (section.TryGetProperty("layer_norm_eps", out JsonElement eps))
        {
            if (eps.ValueKind != JsonValueKind.Number || Math.Abs(eps.GetDouble() - LayerNormEps) > 1e-12)
            {
                throw new CheckpointFormatException($"{source}: {prefix}layer_norm_eps is {eps.GetRawText()}; only 1e-5 is supported.");
            }
        }
    }

    private static ActivationKind Activation(JsonElement section, string source, string prefix)
    {
        string act = DefaultActivation;
        if (section.TryGetProperty("hidden_act", out JsonElement e))
        {
            act = e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText();
        }

        return act switch
        {
            "quick_gelu" => ActivationKind.QuickGelu,
            "gelu" => ActivationKind.Gelu,
            _ => throw new CheckpointFormatException($"{source}: {prefix}hidden_act '{act}' is not supported (quick_gelu or gelu)."),
        };
    }

    private static int Int(JsonElement section, string name, int fallback, string source, string prefix = "")
    {
        if (!section.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v) || v <= 0)
        {
            throw new CheckpointFormatException($"{source}: {prefix}{name} is {e.GetRawText()}, not a positive integer.");
        }

        return v;
    }
}
