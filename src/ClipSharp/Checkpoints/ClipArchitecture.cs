using System.Globalization;
using System.Text.RegularExpressions;
using ClipSharp.Models;

namespace ClipSharp.Checkpoints;

/// <summary>
/// Recovers a <see cref="ClipConfig"/> from an OpenAI-named state dict's names and shapes, as the reference
/// <c>build_model</c> does, with explicit constructor arguments (safetensors <c>__metadata__</c>, a config.json's
/// <c>constructor_args</c>) taking precedence for what shapes cannot tell: the head counts. Every explicit value
/// is checked against the shapes, and the whole state dict against the result.
/// </summary>
public static partial class ClipArchitecture
{
    /// <summary>The constructor-argument keys understood as hints (as <c>CLIP(...)</c> names them, plus <c>vision_heads</c>).</summary>
    public static readonly IReadOnlyList<string> HintKeys =
    [
        "embed_dim", "image_resolution", "vision_layers", "vision_width", "vision_patch_size", "context_length",
        "vocab_size", "transformer_width", "transformer_heads", "transformer_layers", "vision_heads",
    ];

    /// <param name="shapes">OpenAI state-dict names and shapes (dropped buffers may be present).</param>
    /// <param name="hints">Constructor arguments as strings (<c>"[1, 1, 1, 1]"</c>, <c>"null"</c>); unknown keys are ignored.</param>
    /// <param name="source">What the shapes came from, for messages.</param>
    public static ClipConfig Infer(IReadOnlyDictionary<string, int[]> shapes, IReadOnlyDictionary<string, string>? hints, string source)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        hints ??= new Dictionary<string, string>();
        int[] Shape(string name, int rank)
        {
            if (!shapes.TryGetValue(name, out int[]? s))
            {
                throw new CheckpointFormatException($"{source}: the state dict has no '{name}', so it is not an OpenAI-named CLIP model.");
            }

            if (s.Length != rank)
            {
                throw new CheckpointFormatException($"{source}: '{name}' has shape {ClipStateDictLayout.Show(s)}, expected rank {rank}.");
            }

            return s;
        }

        int embedDim = Shape("text_projection", 2)[1];
        int contextLength = Shape("positional_embedding", 2)[0];
        int vocabSize = Shape("token_embedding.weight", 2)[0];
        int transformerWidth = Shape("ln_final.weight", 1)[0];
        int transformerLayers = DistinctIndices(shapes.Keys, TextBlock());

        bool vit = shapes.ContainsKey("visual.proj");
        int[] visionLayers;
        int visionWidth, imageResolution;
        int? patchSize;
        if (vit)
        {
            int[] conv1 = Shape("visual.conv1.weight", 4);
            visionWidth = conv1[0];
            patchSize = conv1[^1];
            visionLayers = [shapes.Keys.Count(k => k.StartsWith("visual.", StringComparison.Ordinal) && k.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal))];
            int grid = SquareSide(Shape("visual.positional_embedding", 2)[0] - 1, "visual.positional_embedding", source);
            imageResolution = patchSize.Value * grid;
        }
        else
        {
            visionLayers = [.. Enumerable.Range(1, 4).Select(b => DistinctIndices(shapes.Keys, ResNetBlock(), b.ToString(CultureInfo.InvariantCulture)))];
            visionWidth = Shape("visual.layer1.0.conv1.weight", 4)[0];
            patchSize = null;
            int side = SquareSide(Shape("visual.attnpool.positional_embedding", 2)[0] - 1, "visual.attnpool.positional_embedding", source);
            imageResolution = side * 32;
        }

        var given = ParseHints(hints, source);
        void Check(string key, object inferred, string evidence)
        {
            if (given.TryGetValue(key, out object? value) && !SameValue(value, inferred))
            {
                throw new CheckpointFormatException(
                    $"{source}: the constructor arguments say {key} = {Format(value)} but the weights say {Format(inferred)} ({evidence}).");
            }
        }

        Check("embed_dim", embedDim, "text_projection");
        Check("context_length", contextLength, "positional_embedding");
        Check("vocab_size", vocabSize, "token_embedding.weight");
        Check("transformer_width", transformerWidth, "ln_final.weight");
        Check("transformer_layers", transformerLayers, "transformer.resblocks.*");
        Check("vision_layers", visionLayers, vit ? "visual.transformer.resblocks.*" : "visual.layer*");
        Check("vision_width", visionWidth, vit ? "visual.conv1.weight" : "visual.layer1.0.conv1.weight");
        Check("vision_patch_size", patchSize is null ? "null" : patchSize.Value, "visual.conv1.weight");
        Check("image_resolution", imageResolution, vit ? "visual.positional_embedding" : "visual.attnpool.positional_embedding");

        // The reference's width / 64 is only a convention of the released models; explicit values win.
        int transformerHeads = given.TryGetValue("transformer_heads", out object? th) ? (int)th : transformerWidth / 64;
        int visionHeads = given.TryGetValue("vision_heads", out object? vh) ? (int)vh
            : vit ? visionWidth / 64 : visionWidth * 32 / 64;
        CheckHeads(source, "transformer_heads", transformerHeads, transformerWidth, given.ContainsKey("transformer_heads"));
        CheckHeads(source, "vision_heads", visionHeads, vit ? visionWidth : visionWidth * 32, given.ContainsKey("vision_heads"));

        var config = new ClipConfig(embedDim, imageResolution, visionLayers, visionWidth, patchSize, contextLength, vocabSize,
            transformerWidth, transformerHeads, transformerLayers)
        {
            VisionHeads = visionHeads,
        };
        ClipStateDictLayout.Validate(config, shapes, source);
        return config;
    }

    /// <summary>The constructor arguments of a config.json (<c>constructor_args</c>, plus <c>derived.vision_heads</c>) as hint strings.</summary>
    public static Dictionary<string, string> HintsFromConfigJson(string json, string source)
    {
        var hints = new Dictionary<string, string>(StringComparer.Ordinal);
        using var doc = JsonConfig.Parse(json, source);
        if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new CheckpointFormatException($"{source}: not a JSON object.");
        }

        if (doc.RootElement.TryGetProperty("constructor_args", out var args) && args.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            foreach (var p in args.EnumerateObject())
            {
                hints[p.Name] = p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        if (doc.RootElement.TryGetProperty("derived", out var derived) && derived.ValueKind == System.Text.Json.JsonValueKind.Object
            && derived.TryGetProperty("vision_heads", out var heads))
        {
            hints["vision_heads"] = heads.GetRawText();
        }

        return hints;
    }

    /// <summary>The constructor arguments of a config, as hint strings (for safetensors metadata).</summary>
    public static Dictionary<string, string> ToHints(ClipConfig c) => new(StringComparer.Ordinal)
    {
        ["embed_dim"] = Invariant(c.EmbedDim),
        ["image_resolution"] = Invariant(c.ImageResolution),
        ["vision_layers"] = c.IsVisionTransformer ? Invariant(c.VisionLayers[0]) : $"[{string.Join(", ", c.VisionLayers)}]",
        ["vision_width"] = Invariant(c.VisionWidth),
        ["vision_patch_size"] = c.VisionPatchSize is { } p ? Invariant(p) : "null",
        ["context_length"] = Invariant(c.ContextLength),
        ["vocab_size"] = Invariant(c.VocabSize),
        ["transformer_width"] = Invariant(c.TransformerWidth),
        ["transformer_heads"] = Invariant(c.TransformerHeads),
        ["transformer_layers"] = Invariant(c.TransformerLayers),
        ["vision_heads"] = Invariant(c.VisionHeads),
    };

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static void CheckHeads(string source, string key, int heads, int width, bool given)
    {
        if (heads <= 0 || width % heads != 0)
        {
            string why = given ? $"{key} = {heads}" : $"width {width} / 64 = {heads} (the reference's rule; small models need {key} in the metadata)";
            throw new CheckpointFormatException($"{source}: cannot use {why}: the head count must be positive and divide the width {width}.");
        }
    }

    private static Dictionary<string, object> ParseHints(IReadOnlyDictionary<string, string> hints, string source)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (string key in HintKeys)
        {
            if (!hints.TryGetValue(key, out string? raw))
            {
                continue;
            }

            string text = raw.Trim();
            if (key == "vision_patch_size" && text is "null" or "None")
            {
                result[key] = "null";
            }
            else if (key == "vision_layers")
            {
                string inner = text.TrimStart('[', '(').TrimEnd(']', ')');
                string[] parts = inner.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var values = new int[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                {
                    if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < 0)
                    {
                        throw new CheckpointFormatException($"{source}: constructor argument vision_layers = '{raw}' is not an integer or a list of four.");
                    }
                }

                if (values.Length is not (1 or 4))
                {
                    throw new CheckpointFormatException($"{source}: constructor argument vision_layers = '{raw}' must be one integer or four.");
                }

                result[key] = values;
            }
            else if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0)
            {
                result[key] = v;
            }
            else
            {
                throw new CheckpointFormatException($"{source}: constructor argument {key} = '{raw}' is not a non-negative integer.");
            }
        }

        return result;
    }

    private static bool SameValue(object given, object inferred) => (given, inferred) switch
    {
        (int[] a, int[] b) => a.SequenceEqual(b),
        _ => Equals(given, inferred),
    };

    private static string Format(object v) => v is int[] a ? $"[{string.Join(", ", a)}]" : Convert.ToString(v, CultureInfo.InvariantCulture)!;

    private static int SquareSide(int n, string name, string source)
    {
        int side = (int)Math.Round(Math.Sqrt(Math.Max(n, 0)));
        if (n <= 0 || side * side != n)
        {
            throw new CheckpointFormatException($"{source}: '{name}' has {n + 1} rows; it needs a square grid plus one class/mean token.");
        }

        return side;
    }

    private static int DistinctIndices(IEnumerable<string> names, Regex pattern, string? group = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string n in names)
        {
            Match m = pattern.Match(n);
            if (m.Success && (group is null || m.Groups["b"].Value == group))
            {
                seen.Add(m.Groups["i"].Value);
            }
        }

        return seen.Count;
    }

    [GeneratedRegex(@"^transformer\.resblocks\.(?<i>[0-9]+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex TextBlock();

    [GeneratedRegex(@"^visual\.layer(?<b>[1-4])\.(?<i>[0-9]+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex ResNetBlock();
}
