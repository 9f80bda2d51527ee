namespace ClipSharp.Checkpoints;

/// <summary>How a model's weights are named and laid out on disk.</summary>
public enum ModelLayout
{
    /// <summary>A Hugging Face <c>CLIPModel</c> folder: config.json, model.safetensors, vocab.json, merges.txt.</summary>
    Hf,

    /// <summary>An OpenAI <c>clip.model.CLIP</c> state dict with the reference's tensor names.</summary>
    OpenAi,
}
