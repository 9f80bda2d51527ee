namespace ClipSharp.Bulk;

/// <summary>
/// A captioned sample's outcome in a bulk embedding: the sample's key and caption beside its image's result (whose
/// <see cref="EmbeddingResult.Input"/> names the image, e.g. <c>shard.tar:000123.jpg</c>).
/// </summary>
public sealed record SampleEmbedding(string Key, string Caption, EmbeddingResult Result);
