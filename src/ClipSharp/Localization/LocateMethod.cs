namespace ClipSharp.Localization;

/// <summary>How <see cref="ClipLocator"/> scores each cell of a grid over the image for a prompt.</summary>
public enum LocateMethod
{
    /// <summary>
    /// The cosine between the prompt's text embedding and the cell's dense feature (MaskCLIP: the last block's value
    /// path in place of its attention; see <see cref="Models.IImageEncoder.ForwardDense"/>).
    /// </summary>
    Dense,

    /// <summary>
    /// Gradient relevance: how much the cell's activations (a ViT's residual stream entering a block, a ResNet's
    /// layer4 output) raise the cosine between the whole image's embedding and the prompt's, by the backward pass
    /// (see <see cref="RelevanceWeighting"/>). Needs float32 weights.
    /// </summary>
    Gradient,

    /// <summary>
    /// Occlusion sensitivity: how much covering each part of the image lowers the cosine between the whole image's
    /// embedding and the prompt's, compared with the other prompts' (<see cref="OcclusionScore"/>), on a grid finer
    /// than the model's (forward passes only; any tower, any weights).
    /// </summary>
    Occlusion,
}

/// <summary>The methods' names on the command line and in reports.</summary>
public static class LocateMethods
{
    /// <summary>Every method's name, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["dense", "gradient", "occlusion"];

    /// <summary>Every method, for reports that compare them.</summary>
    public static IReadOnlyList<LocateMethod> All { get; } = [LocateMethod.Dense, LocateMethod.Gradient, LocateMethod.Occlusion];

    /// <summary>The method of a name (as in <see cref="Names"/>, any case), or null when there is none.</summary>
    public static LocateMethod? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "dense" => LocateMethod.Dense,
        "gradient" => LocateMethod.Gradient,
        "occlusion" => LocateMethod.Occlusion,
        _ => null,
    };

    public static string Name(this LocateMethod method) => Names[(int)method];
}
