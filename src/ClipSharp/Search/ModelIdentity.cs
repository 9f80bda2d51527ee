using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ClipSharp.Checkpoints;
using ClipSharp.Layers;
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

        // Every float32 parameter in layout order, from the store or, packed for inference, from its panels (the
        // same values, whatever the CPU's panel layout): a float32 model hashes alike packed or not. Entries lie back
        // to back in the store in layout order, so this is the store's data as one run, as hashed before float32
        // weights were packed, and identities already recorded in indexes still hold.
        foreach (Parameter p in clip.Model.Parameters.Layout.Entries)
        {
            if (p.Packed is null)
            {
                hash.AppendData(MemoryMarshal.AsBytes(p.Value.Span));
            }
            else if (p.Packed.Precision == WeightPrecision.Float32)
            {
                hash.AppendData(MemoryMarshal.AsBytes(p.Packed.Dequantize(QuantizedWeights.IsInputMajor(p.Name)).AsSpan()));
            }
        }

        hash.AppendData(MemoryMarshal.AsBytes(clip.Model.Buffers.Data.AsSpan()));

        // Reduced-precision weights follow, named with their precision; their dequantised values are the same everywhere.
        foreach ((string name, PackedWeight weight) in clip.Model.PackedWeights())
        {
            if (weight.Precision == WeightPrecision.Float32)
            {
                continue;
            }

            hash.AppendData(Encoding.UTF8.GetBytes($"{name}:{weight.Precision}\n"));
            hash.AppendData(MemoryMarshal.AsBytes(weight.Dequantize().AsSpan()));
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
