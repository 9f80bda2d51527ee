namespace ClipSharp.Hosting;

/// <summary>
/// What <c>services.AddClip</c> needs, bindable from configuration (the <c>Clip</c> section by default):
/// <code>{ "Clip": { "ModelPath": "models/clip-vit-b32", "Threads": 4, "IndexPath": "photos.idx", "Labels": ["cat", "dog"] } }</code>
/// </summary>
public sealed class ClipOptions
{
    /// <summary>The configuration section <c>AddClip(configuration)</c> binds.</summary>
    public const string SectionName = "Clip";

    /// <summary>A model folder (Hugging Face or OpenAI layout) or one weights file.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Tokenizer files to use instead of the model's.</summary>
    public string? Vocab { get; set; }

    /// <summary>The most threads the compute kernels use, process-wide; null: all cores.</summary>
    public int? Threads { get; set; }

    /// <summary>The search index folder (built by <c>clip index add</c> or <see cref="ClipIndexer"/>).</summary>
    public string? IndexPath { get; set; }

    /// <summary>The zero-shot classifier's class names.</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>The classifier's prompt templates: <c>default</c>, <c>single</c> or a file with one template per line.</summary>
    public string Template { get; set; } = "default";
}
