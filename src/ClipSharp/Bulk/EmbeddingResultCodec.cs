using ClipSharp.Distributed;

namespace ClipSharp.Bulk;

/// <summary>
/// Inputs and embedding results as bytes, to move them between ranks with <see cref="ByteCollectives"/>: per result
/// its kind, input, and either the embedding's floats (bit for bit) or the reason it has none.
/// </summary>
internal static class EmbeddingResultCodec
{
    public static byte[] Encode(IReadOnlyList<EmbeddingResult> results) => BinaryMessage.FromList(results, (writer, r) =>
    {
        writer.Write((byte)r.Kind);
        writer.Write(r.Input);
        writer.Write(r.Success);
        if (r.Embedding is float[] embedding)
        {
            writer.Write(embedding.Length);
            foreach (float v in embedding)
            {
                writer.Write(v);
            }
        }
        else
        {
            writer.Write(r.Error ?? string.Empty);
        }
    });

    public static List<EmbeddingResult> Decode(byte[] bytes) => BinaryMessage.ToList(bytes, reader =>
    {
        var kind = (EmbeddingKind)reader.ReadByte();
        string input = reader.ReadString();
        if (!reader.ReadBoolean())
        {
            return EmbeddingResult.Failed(input, kind, reader.ReadString());
        }

        var embedding = new float[reader.ReadInt32()];
        for (int j = 0; j < embedding.Length; j++)
        {
            embedding[j] = reader.ReadSingle();
        }

        return EmbeddingResult.Succeeded(input, kind, embedding);
    });

    public static byte[] EncodeInputs(IReadOnlyList<EmbeddingInput> inputs) => BinaryMessage.FromList(inputs, (writer, input) =>
    {
        writer.Write((byte)input.Kind);
        writer.Write(input.Input);
    });

    public static List<EmbeddingInput> DecodeInputs(byte[] bytes) => BinaryMessage.ToList(bytes, reader =>
    {
        var kind = (EmbeddingKind)reader.ReadByte();
        return new EmbeddingInput(reader.ReadString(), kind);
    });
}
