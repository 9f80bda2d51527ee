namespace ClipSharp.Models;

public enum ActivationKind
{
    /// <summary>x·σ(1.702x), what OpenAI's released models were trained with.</summary>
    QuickGelu,

    /// <summary>Exact (erf) GELU, as most open_clip models use.</summary>
    Gelu,
}

/// <summary>
/// A CLIP architecture, in the terms of the reference constructor <c>CLIP(embed_dim, image_resolution, ...)</c>.
/// One <see cref="VisionLayers"/> entry means a Vision Transformer of that depth; four mean a ModifiedResNet's stages.
/// </summary>
public sealed record ClipConfig(
    int EmbedDim,
    int ImageResolution,
    IReadOnlyList<int> VisionLayers,
    int VisionWidth,
    int? VisionPatchSize,
    int ContextLength,
    int VocabSize,
    int TransformerWidth,
    int TransformerHeads,
    int TransformerLayers)
{
    public const float LayerNormEps = 1e-5f;

    /// <summary>The reference derives this: ViT width/64, ResNet width·32/64. Checkpoint configs may say otherwise.</summary>
    public int VisionHeads { get; init; } = VisionPatchSize is null ? VisionWidth * 32 / 64 : VisionWidth / 64;

    public ActivationKind Activation { get; init; } = ActivationKind.QuickGelu;

    public bool IsVisionTransformer => VisionPatchSize is not null;

    public bool Equals(ClipConfig? other)
        => other is not null
        && EmbedDim == other.EmbedDim && ImageResolution == other.ImageResolution
        && VisionLayers.SequenceEqual(other.VisionLayers) && VisionWidth == other.VisionWidth
        && VisionPatchSize == other.VisionPatchSize && ContextLength == other.ContextLength
        && VocabSize == other.VocabSize && TransformerWidth == other.TransformerWidth
        && TransformerHeads == other.TransformerHeads && TransformerLayers == other.TransformerLayers
        && VisionHeads == other.VisionHeads && Activation == other.Activation;

    public override int GetHashCode()
        => HashCode.Combine(EmbedDim, ImageResolution, VisionWidth, VisionPatchSize, TransformerWidth, TransformerLayers, VisionHeads, Activation);
}
