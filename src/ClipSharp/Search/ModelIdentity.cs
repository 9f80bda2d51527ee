using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Search;

/// <summary>
/// A stable name for everything that decides an embedding: weights, buffers, architecture, preprocessing and
/// tokenizer. Two models agree on it only if they embed every input identically, wherever their files live.
/// </summary>
public static class ModelIdentity
{
    public static string Compute(Clip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var c = clip.Model.Config;
        var t = clip.ImageTransform;
        string description = string.Create(
            CultureInfo.InvariantCulture,
            $"config={System.Text.Json.JsonSerializer.Serialize(c)};resolution={t.Resolution};mean={string.Join(',', t.Mean)};std={string.Join(',', t.Std)};"
            + $"vocab={clip.Tokenizer.VocabularySize};sot={clip.Tokenizer.StartOfTextId};eot={clip.Tokenizer.EndOfTextId};");
        hash.AppendData(Encoding.UTF8.GetBytes(description));

        // The tokenizer's merges decide the ids, so every token's text goes in, not only the count.
        var token = new int[1];
        for (int id = 0; id < clip.Tokenizer.VocabularySize; id++)
        {
            token[0] = id;
            hash.AppendData(Encoding.UTF8.GetBytes(clip.Tokenizer.Decode(token) + "\n"));
        }

        hash.AppendData(MemoryMarshal.AsBytes(clip.Model.Parameters.Data.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(clip.Model.Buffers.Data.AsSpan()));

        // Reduced-precision weights live outside the parameter buffer, packed in a layout that depends on the CPU;
        // their dequantised values are the same everywhere.
        foreach ((string name, PackedWeight weight) in clip.Model.PackedWeights())
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}:{weight.Precision}\n"));
            hash.AppendData(MemoryMarshal.AsBytes(weight.Dequantize().AsSpan()));
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
