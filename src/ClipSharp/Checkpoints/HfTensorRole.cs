namespace ClipSharp.Checkpoints;

/// <summary>How a Hugging Face <c>CLIPModel</c> tensor relates to the OpenAI state-dict tensor it maps to.</summary>
public enum HfTensorRole
{
    /// <summary>The same values and shape.</summary>
    Same,

    /// <summary>The transpose of a 2-D OpenAI matrix (HF stores the projections as bias-free Linear weights).</summary>
    Transposed,

    /// <summary>Rows [0, W) of the OpenAI <c>in_proj_weight</c> [3W, W] / <c>in_proj_bias</c> [3W].</summary>
    Query,

    /// <summary>Rows [W, 2W).</summary>
    Key,

    /// <summary>Rows [2W, 3W).</summary>
    Value,
}

/// <summary>Where one Hugging Face tensor goes in the OpenAI state dict.</summary>
public sealed record HfTensorTarget(string OpenAiName, HfTensorRole Role);
