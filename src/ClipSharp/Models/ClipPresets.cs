namespace ClipSharp.Models;

/// <summary>The nine architectures OpenAI released, with the reference constructor values.</summary>
public static class ClipPresets
{
    private const int Context = 77;
    private const int Vocab = 49408;

    private static readonly Dictionary<string, ClipConfig> s_presets = new(StringComparer.Ordinal)
    {
        ["RN50"] = new(1024, 224, [3, 4, 6, 3], 64, null, Context, Vocab, 512, 8, 12),
        ["RN101"] = new(512, 224, [3, 4, 23, 3], 64, null, Context, Vocab, 512, 8, 12),
        ["RN50x4"] = new(640, 288, [4, 6, 10, 6], 80, null, Context, Vocab, 640, 10, 12),
        ["RN50x16"] = new(768, 384, [6, 8, 18, 8], 96, null, Context, Vocab, 768, 12, 12),
        ["RN50x64"] = new(1024, 448, [3, 15, 36, 10], 128, null, Context, Vocab, 1024, 16, 12),
        ["ViT-B/32"] = new(512, 224, [12], 768, 32, Context, Vocab, 512, 8, 12),
        ["ViT-B/16"] = new(512, 224, [12], 768, 16, Context, Vocab, 512, 8, 12),
        ["ViT-L/14"] = new(768, 224, [24], 1024, 14, Context, Vocab, 768, 12, 12),
        ["ViT-L/14@336px"] = new(768, 336, [24], 1024, 14, Context, Vocab, 768, 12, 12),
    };

    /// <summary>The released names, in the order the reference lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_presets.Keys];

    /// <summary>A preset by its released name; "ViT-L/14@336" is accepted for "ViT-L/14@336px".</summary>
    public static ClipConfig Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (s_presets.TryGetValue(name, out ClipConfig? config))
        {
            return config;
        }

        if (s_presets.TryGetValue(name + "px", out config))
        {
            return config;
        }

        throw new KeyNotFoundException($"no CLIP preset named '{name}'; known: {string.Join(", ", Names)}.");
    }
}
