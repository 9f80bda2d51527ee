using ClipSharp.Models;

namespace ClipSharp.Checkpoints;

/// <summary>
/// The exact OpenAI state dict a <see cref="ClipConfig"/> implies: every name and shape that
/// <c>clip.model.CLIP(...)</c>'s <c>state_dict()</c> holds, except the integer BatchNorm counters.
/// </summary>
public static class ClipStateDictLayout
{
    /// <summary>Integer buffers that carry no weights: BatchNorm counters, HF position ids, TorchScript scalars.</summary>
    public static bool IsDroppedBuffer(string name)
        => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)
        || name.EndsWith("position_ids", StringComparison.Ordinal)
        || name is "input_resolution" or "context_length" or "vocab_size";

    public static Dictionary<string, int[]> ExpectedShapes(ClipConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        int d = config.TransformerWidth;
        shapes["token_embedding.weight"] = [config.VocabSize, d];
        shapes["positional_embedding"] = [config.ContextLength, d];
        shapes["ln_final.weight"] = [d];
        shapes["ln_final.bias"] = [d];
        shapes["text_projection"] = [d, config.EmbedDim];
        shapes["logit_scale"] = [];
        AddTransformer(shapes, "transformer.resblocks.", d, config.TransformerLayers);
        if (config.IsVisionTransformer)
        {
            AddVisionTransformer(shapes, config);
        }
        else
        {
            AddModifiedResNet(shapes, config);
        }

        return shapes;
    }

    /// <summary>
    /// Checks a state dict's names and shapes against <paramref name="config"/>; the message lists the first
    /// missing, unexpected and mismatched tensors. Dropped buffers are not looked at.
    /// </summary>
    public static void Validate(ClipConfig config, IReadOnlyDictionary<string, int[]> shapes, string source)
    {
        Dictionary<string, int[]> expected = ExpectedShapes(config);
        var problems = new List<string>();
        foreach (var (name, shape) in expected)
        {
            if (!shapes.TryGetValue(name, out int[]? actual))
            {
                problems.Add($"missing '{name}' {Show(shape)}");
            }
            else if (!actual.AsSpan().SequenceEqual(shape))
            {
                problems.Add($"'{name}' is {Show(actual)} where the architecture needs {Show(shape)}");
            }
        }

        foreach (string name in shapes.Keys.Where(n => !expected.ContainsKey(n) && !IsDroppedBuffer(n)).Order(StringComparer.Ordinal))
        {
            problems.Add($"unexpected '{name}'");
        }

        if (problems.Count > 0)
        {
            const int shown = 8;
            string more = problems.Count > shown ? $" (and {problems.Count - shown} more)" : string.Empty;
            throw new CheckpointFormatException(
                $"{source}: the weights do not fit the architecture {Describe(config)}: {string.Join("; ", problems.Take(shown))}{more}.");
        }
    }

    public static string Describe(ClipConfig c)
        => c.IsVisionTransformer
            ? $"ViT (width {c.VisionWidth}, {c.VisionLayers[0]} layers, patch {c.VisionPatchSize}, {c.ImageResolution} px, embed {c.EmbedDim}, text width {c.TransformerWidth} x {c.TransformerLayers})"
            : $"ResNet (width {c.VisionWidth}, layers [{string.Join(", ", c.VisionLayers)}], {c.ImageResolution} px, embed {c.EmbedDim}, text width {c.TransformerWidth} x {c.TransformerLayers})";

    internal static string Show(int[] shape) => $"[{string.Join(", ", shape)}]";

    private static void AddTransformer(Dictionary<string, int[]> shapes, string prefix, int w, int layers)
    {
        for (int i = 0; i < layers; i++)
        {
            string b = $"{prefix}{i}.";
            shapes[b + "attn.in_proj_weight"] = [3 * w, w];
            shapes[b + "attn.in_proj_bias"] = [3 * w];
            shapes[b + "attn.out_proj.weight"] = [w, w];
            shapes[b + "attn.out_proj.bias"] = [w];
            shapes[b + "ln_1.weight"] = [w];
            shapes[b + "ln_1.bias"] = [w];
            shapes[b + "mlp.c_fc.weight"] = [4 * w, w];
            shapes[b + "mlp.c_fc.bias"] = [4 * w];
            shapes[b + "mlp.c_proj.weight"] = [w, 4 * w];
            shapes[b + "mlp.c_proj.bias"] = [w];
            shapes[b + "ln_2.weight"] = [w];
            shapes[b + "ln_2.bias"] = [w];
        }
    }

    private static void AddVisionTransformer(Dictionary<string, int[]> shapes, ClipConfig c)
    {
        int w = c.VisionWidth, p = c.VisionPatchSize!.Value, grid = c.ImageResolution / p;
        shapes["visual.conv1.weight"] = [w, 3, p, p];
        shapes["visual.class_embedding"] = [w];
        shapes["visual.positional_embedding"] = [(grid * grid) + 1, w];
        shapes["visual.ln_pre.weight"] = [w];
        shapes["visual.ln_pre.bias"] = [w];
        AddTransformer(shapes, "visual.transformer.resblocks.", w, c.VisionLayers[0]);
        shapes["visual.ln_post.weight"] = [w];
        shapes["visual.ln_post.bias"] = [w];
        shapes["visual.proj"] = [w, c.EmbedDim];
    }

    private static void AddBatchNorm(Dictionary<string, int[]> shapes, string prefix, int channels)
    {
        foreach (string leaf in (string[])["weight", "bias", "running_mean", "running_var"])
        {
            shapes[prefix + leaf] = [channels];
        }
    }

    private static void AddModifiedResNet(Dictionary<string, int[]> shapes, ClipConfig c)
    {
        int w = c.VisionWidth;
        shapes["visual.conv1.weight"] = [w / 2, 3, 3, 3];
        AddBatchNorm(shapes, "visual.bn1.", w / 2);
        shapes["visual.conv2.weight"] = [w / 2, w / 2, 3, 3];
        AddBatchNorm(shapes, "visual.bn2.", w / 2);
        shapes["visual.conv3.weight"] = [w, w / 2, 3, 3];
        AddBatchNorm(shapes, "visual.bn3.", w);

        // Bottleneck stages: planes double per stage, expansion 4, a downsample branch where the shape changes.
        int inplanes = w;
        for (int stage = 0; stage < 4; stage++)
        {
            int planes = w << stage;
            for (int block = 0; block < c.VisionLayers[stage]; block++)
            {
                string b = $"visual.layer{stage + 1}.{block}.";
                int stride = block == 0 && stage > 0 ? 2 : 1;
                shapes[b + "conv1.weight"] = [planes, inplanes, 1, 1];
                AddBatchNorm(shapes, b + "bn1.", planes);
                shapes[b + "conv2.weight"] = [planes, planes, 3, 3];
                AddBatchNorm(shapes, b + "bn2.", planes);
                shapes[b + "conv3.weight"] = [planes * 4, planes, 1, 1];
                AddBatchNorm(shapes, b + "bn3.", planes * 4);
                if (stride > 1 || inplanes != planes * 4)
                {
                    shapes[b + "downsample.0.weight"] = [planes * 4, inplanes, 1, 1];
                    AddBatchNorm(shapes, b + "downsample.1.", planes * 4);
                }

                inplanes = planes * 4;
            }
        }

        int embed = w * 32, spatial = c.ImageResolution / 32;
        shapes["visual.attnpool.positional_embedding"] = [(spatial * spatial) + 1, embed];
        foreach (string proj in (string[])["q_proj", "k_proj", "v_proj"])
        {
            shapes[$"visual.attnpool.{proj}.weight"] = [embed, embed];
            shapes[$"visual.attnpool.{proj}.bias"] = [embed];
        }

        shapes["visual.attnpool.c_proj.weight"] = [c.EmbedDim, embed];
        shapes["visual.attnpool.c_proj.bias"] = [c.EmbedDim];
    }
}
