namespace ClipSharp.Localization;

/// <summary>
/// How <see cref="LocateMethod.Gradient"/> turns the activations a_p and the gradients g_p of the image-prompt cosine
/// at each patch token p into one relevance per cell. Both keep only the positive part: evidence for the prompt.
/// </summary>
public enum RelevanceWeighting
{
    /// <summary>Gradient × activation per token: relu(Σ_c g_pc · a_pc), each token's own first-order contribution.</summary>
    GradientTimesActivation,

    /// <summary>
    /// Grad-CAM (Selvaraju et al., ICCV 2017): channel weights are the gradient's mean over the patch tokens, and
    /// relu(Σ_c w_c · a_pc) per token.
    /// </summary>
    GradCam,
}
