using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Bulk;

/// <summary>
/// A name for one rank's share of a bulk embedding and everything that decides its output (model, inputs, rank and
/// size, normalisation, precision), recorded beside the output so that a rerun recognises a share already written.
/// </summary>
public static class ShareFingerprint
{
    public static string Of(string modelId, Distributed.BatchShard share, IReadOnlyList<EmbeddingInput> inputs, bool normalize, EmbeddingPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(inputs);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, string.Create(CultureInfo.InvariantCulture, $"model={modelId};rank={share.Rank};size={share.Size};normalize={normalize};precision={precision};count={inputs.Count}"));
        foreach (EmbeddingInput input in inputs)
        {
            // Length-prefixed, so that no two lists of inputs run together into the same bytes.
            Append(hash, string.Create(CultureInfo.InvariantCulture, $"{(int)input.Kind}:{input.Input.Length}:{input.Input}"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
}
