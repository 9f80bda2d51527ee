using ClipSharp.Data;
using ClipSharp.Distributed;

namespace ClipSharp.Bulk;

/// <summary>
/// Inputs and embedding results as bytes, to move them between ranks with <see cref="ByteCollectives"/>: per result
/// its kind, input, and either the embedding's floats (bit for bit) or the reason it has none.
/// </summary>
internal static class EmbeddingResultCodec
{
    public static byte[] Encode(IReadOnlyList<EmbeddingResult> results) => BinaryMessage.FromList(results, Write);

    public static List<EmbeddingResult> Decode(byte[] bytes) => BinaryMessage.ToList(bytes, Read);

    // Samples first, then the skipped ones, each list framed on its own.
    public static byte[] EncodeSamples(SampleEmbeddings samples)
    {
        byte[] good = BinaryMessage.FromList(samples.Samples, (writer, s) =>
        {
            writer.Write(s.Key);
            writer.Write(s.Caption);
            Write(writer, s.Result);
        });
        byte[] skipped = BinaryMessage.FromList(samples.Skipped, (writer, b) =>
        {
            writer.Write(b.Key);
            writer.Write(b.Source);
            writer.Write(b.Reason);
        });
        return BinaryMessage.FromList([good, skipped], (writer, part) =>
        {
            writer.Write(part.Length);
            writer.Write(part);
        });
    }

    public static SampleEmbeddings DecodeSamples(byte[] bytes)
    {
        List<byte[]> parts = BinaryMessage.ToList(bytes, reader => reader.ReadBytes(reader.ReadInt32()));
        List<SampleEmbedding> good = BinaryMessage.ToList(parts[0], reader => new SampleEmbedding(reader.ReadString(), reader.ReadString(), Read(reader)));
        List<BadSample> skipped = BinaryMessage.ToList(parts[1], reader => new BadSample(reader.ReadString(), reader.ReadString(), reader.ReadString()));
        return new SampleEmbeddings(good, skipped);
    }

    private static void Write(BinaryWriter writer, EmbeddingResult r)
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
    }

    private static EmbeddingResult Read(BinaryReader reader)
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
    }

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
