namespace ClipSharp.Bulk;

/// <summary>One thing to embed: an image file's path or a text.</summary>
public sealed record EmbeddingInput(string Input, EmbeddingKind Kind);
