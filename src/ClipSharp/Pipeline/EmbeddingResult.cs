namespace ClipSharp;

public enum EmbeddingKind
{
    Image,
    Text,
}

/// <summary>One input's outcome in a batch: its embedding, or why it has none.</summary>
public sealed record EmbeddingResult(string Input, EmbeddingKind Kind, float[]? Embedding, string? Error)
{
    public bool Success => Embedding is not null;

    public static EmbeddingResult Succeeded(string input, EmbeddingKind kind, float[] embedding) => new(input, kind, embedding, null);

    public static EmbeddingResult Failed(string input, EmbeddingKind kind, string error) => new(input, kind, null, error);
}
