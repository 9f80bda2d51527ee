using System.Text.RegularExpressions;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>
/// Maps Hugging Face <c>CLIPModel</c> tensor names to OpenAI <c>clip.model.CLIP</c> state-dict names and back,
/// with the layout changes between them: q/k/v projections split from <c>in_proj_weight</c>/<c>in_proj_bias</c>,
/// the two output projections transposed. Only the Vision Transformer tower exists in the HF layout.
/// </summary>
public static partial class HfNameMap
{
    private static readonly (string Hf, string OpenAi)[] s_layerParts =
    [
        ("layer_norm1.", "ln_1."),
        ("layer_norm2.", "ln_2."),
        ("mlp.fc1.", "mlp.c_fc."),
        ("mlp.fc2.", "mlp.c_proj."),
        ("self_attn.out_proj.", "attn.out_proj."),
    ];

    private static readonly (string Hf, string OpenAi, HfTensorRole Role)[] s_fixed =
    [
        ("logit_scale", "logit_scale", HfTensorRole.Same),
        ("text_projection.weight", "text_projection", HfTensorRole.Transposed),
        ("visual_projection.weight", "visual.proj", HfTensorRole.Transposed),
        ("text_model.embeddings.token_embedding.weight", "token_embedding.weight", HfTensorRole.Same),
        ("text_model.embeddings.position_embedding.weight", "positional_embedding", HfTensorRole.Same),
        ("text_model.final_layer_norm.weight", "ln_final.weight", HfTensorRole.Same),
        ("text_model.final_layer_norm.bias", "ln_final.bias", HfTensorRole.Same),
        ("vision_model.embeddings.class_embedding", "visual.class_embedding", HfTensorRole.Same),
        ("vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight", HfTensorRole.Same),
        ("vision_model.embeddings.position_embedding.weight", "visual.positional_embedding", HfTensorRole.Same),
        ("vision_model.pre_layrnorm.weight", "visual.ln_pre.weight", HfTensorRole.Same),
        ("vision_model.pre_layrnorm.bias", "visual.ln_pre.bias", HfTensorRole.Same),
        ("vision_model.post_layernorm.weight", "visual.ln_post.weight", HfTensorRole.Same),
        ("vision_model.post_layernorm.bias", "visual.ln_post.bias", HfTensorRole.Same),
    ];

    private static readonly HfTensorRole[] s_qkv = [HfTensorRole.Query, HfTensorRole.Key, HfTensorRole.Value];

    /// <summary>True for the integer <c>position_ids</c> buffers older HF checkpoints carry; they hold no weights.</summary>
    public static bool IsIgnoredHfBuffer(string hfName) => hfName.EndsWith(".embeddings.position_ids", StringComparison.Ordinal);

    /// <summary>True when the names look like a Hugging Face CLIPModel (rather than an OpenAI state dict).</summary>
    public static bool LooksLikeHf(IEnumerable<string> names)
        => names.Any(n => n.StartsWith("text_model.", StringComparison.Ordinal) || n.StartsWith("vision_model.", StringComparison.Ordinal));

    /// <summary>The OpenAI tensor a HF tensor contributes to, or null for an ignored buffer; throws for an unknown name.</summary>
    public static HfTensorTarget? ToOpenAi(string hfName)
    {
        if (IsIgnoredHfBuffer(hfName))
        {
            return null;
        }

        foreach (var (hf, openAi, role) in s_fixed)
        {
            if (hfName == hf)
            {
                return new HfTensorTarget(openAi, role);
            }
        }

        Match m = HfLayer().Match(hfName);
        if (m.Success)
        {
            string prefix = m.Groups["tower"].Value == "text" ? "transformer.resblocks." : "visual.transformer.resblocks.";
            string block = prefix + m.Groups["i"].Value + ".";
            string rest = m.Groups["rest"].Value;
            foreach (var (hf, openAi) in s_layerParts)
            {
                if (rest.StartsWith(hf, StringComparison.Ordinal) && rest.Length > hf.Length)
                {
                    string leaf = rest[hf.Length..];
                    if (leaf is "weight" or "bias")
                    {
                        return new HfTensorTarget(block + openAi + leaf, HfTensorRole.Same);
                    }
                }
            }

            Match qkv = HfQkv().Match(rest);
            if (qkv.Success)
            {
                HfTensorRole role = qkv.Groups["p"].Value switch { "q" => HfTensorRole.Query, "k" => HfTensorRole.Key, _ => HfTensorRole.Value };
                return new HfTensorTarget(block + "attn.in_proj_" + qkv.Groups["leaf"].Value, role);
            }
        }

        throw new CheckpointFormatException($"'{hfName}' is not a tensor name of a Hugging Face CLIPModel (Vision Transformer).");
    }

    /// <summary>The HF tensors an OpenAI tensor becomes (three for <c>in_proj_*</c>); throws for names HF has no place for.</summary>
    public static IReadOnlyList<(string HfName, HfTensorRole Role)> ToHf(string openAiName)
    {
        foreach (var (hf, openAi, role) in s_fixed)
        {
            if (openAiName == openAi)
            {
                return [(hf, role)];
            }
        }

        Match m = OpenAiBlock().Match(openAiName);
        if (m.Success)
        {
            string prefix = m.Groups["visual"].Success ? "vision_model.encoder.layers." : "text_model.encoder.layers.";
            string block = prefix + m.Groups["i"].Value + ".";
            string rest = m.Groups["rest"].Value;
            foreach (var (hf, openAi) in s_layerParts)
            {
                if (rest.StartsWith(openAi, StringComparison.Ordinal) && rest[openAi.Length..] is "weight" or "bias")
                {
                    return [(block + hf + rest[openAi.Length..], HfTensorRole.Same)];
                }
            }

            if (rest is "attn.in_proj_weight" or "attn.in_proj_bias")
            {
                string leaf = rest.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                return [.. s_qkv.Select(r => ($"{block}self_attn.{QkvLetter(r)}_proj.{leaf}", r))];
            }
        }

        throw new CheckpointFormatException(
            $"'{openAiName}' has no Hugging Face CLIPModel equivalent (HF CLIP has only the Vision Transformer tower).");
    }

    /// <summary>Converts a HF CLIPModel state dict to OpenAI names and layouts. Ignored buffers are dropped.</summary>
    public static Dictionary<string, Tensor> HfToOpenAi(IReadOnlyDictionary<string, Tensor> hf)
    {
        ArgumentNullException.ThrowIfNull(hf);
        var whole = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var parts = new Dictionary<string, Tensor?[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in hf)
        {
            HfTensorTarget? target = ToOpenAi(name);
            if (target is null)
            {
                continue;
            }

            switch (target.Role)
            {
                case HfTensorRole.Same:
                    whole.Add(target.OpenAiName, tensor);
                    break;
                case HfTensorRole.Transposed:
                    whole.Add(target.OpenAiName, Transpose(name, tensor));
                    break;
                default:
                    if (!parts.TryGetValue(target.OpenAiName, out Tensor?[]? slots))
                    {
                        parts[target.OpenAiName] = slots = new Tensor?[3];
                    }

                    slots[Array.IndexOf(s_qkv, target.Role)] = tensor;
                    break;
            }
        }

        foreach (var (openAiName, slots) in parts)
        {
            whole.Add(openAiName, ConcatQkv(openAiName, slots));
        }

        return whole;
    }

    /// <summary>Converts an OpenAI state dict (Vision Transformer) to HF CLIPModel names and layouts.</summary>
    public static Dictionary<string, Tensor> OpenAiToHf(IReadOnlyDictionary<string, Tensor> openAi)
    {
        ArgumentNullException.ThrowIfNull(openAi);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in openAi)
        {
            IReadOnlyList<(string HfName, HfTensorRole Role)> targets = ToHf(name);
            foreach (var (hfName, role) in targets)
            {
                result.Add(hfName, role switch
                {
                    HfTensorRole.Same => tensor,
                    HfTensorRole.Transposed => Transpose(name, tensor),
                    _ => SplitQkv(name, tensor, Array.IndexOf(s_qkv, role)),
                });
            }
        }

        return result;
    }

    private static string QkvLetter(HfTensorRole role) => role switch
    {
        HfTensorRole.Query => "q",
        HfTensorRole.Key => "k",
        _ => "v",
    };

    // m: [R, C] -> [C, R]
    private static Tensor Transpose(string name, Tensor m)
    {
        if (m.Rank != 2)
        {
            throw new CheckpointFormatException($"tensor '{name}' should be a matrix to transpose, but has shape {m.ShapeString}.");
        }

        int rows = m.Dim(0), cols = m.Dim(1);
        ReadOnlySpan<float> src = m.Span;
        var dst = new float[src.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                dst[(c * rows) + r] = src[(r * cols) + c];
            }
        }

        return new Tensor(dst, cols, rows);
    }

    // q, k, v: [W, ...] each -> [3W, ...]
    private static Tensor ConcatQkv(string openAiName, Tensor?[] slots)
    {
        for (int i = 0; i < 3; i++)
        {
            if (slots[i] is null)
            {
                string missing = string.Join(", ", ToHf(openAiName).Where((_, j) => slots[j] is null).Select(t => t.HfName));
                throw new CheckpointFormatException($"'{openAiName}' needs q, k and v projections, but {missing} is missing.");
            }
        }

        Tensor q = slots[0]!;
        if (q.Rank == 0 || slots.Any(s => !s!.Shape.SequenceEqual(q.Shape)))
        {
            throw new CheckpointFormatException(
                $"the q/k/v projections of '{openAiName}' must have one equal shape, not {string.Join(", ", slots.Select(s => s!.ShapeString))}.");
        }

        var data = new float[q.Length * 3];
        for (int i = 0; i < 3; i++)
        {
            slots[i]!.Span.CopyTo(data.AsSpan(i * q.Length));
        }

        int[] shape = q.Shape.ToArray();
        shape[0] *= 3;
        return new Tensor(data, shape);
    }

    // in_proj: [3W, ...] -> rows [part*W, (part+1)*W)
    private static Tensor SplitQkv(string name, Tensor t, int part)
    {
        if (t.Rank == 0 || t.Dim(0) % 3 != 0)
        {
            throw new CheckpointFormatException($"tensor '{name}' should have 3W rows to split into q, k and v, but has shape {t.ShapeString}.");
        }

        int w = t.Dim(0) / 3;
        return new Tensor(t.Slice(part * w, w).ToArray(), [w, .. t.Shape[1..]]);
    }

    [GeneratedRegex(@"^(?<tower>text|vision)_model\.encoder\.layers\.(?<i>0|[1-9][0-9]*)\.(?<rest>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex HfLayer();

    [GeneratedRegex(@"^self_attn\.(?<p>[qkv])_proj\.(?<leaf>weight|bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex HfQkv();

    [GeneratedRegex(@"^(?<visual>visual\.)?transformer\.resblocks\.(?<i>0|[1-9][0-9]*)\.(?<rest>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAiBlock();
}
