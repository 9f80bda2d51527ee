using ClipSharp.Text.Cleaning;
using Microsoft.ML.Tokenizers;

namespace ClipSharp.Text;

/// <summary>The reference text cleaning exposed as a Microsoft.ML.Tokenizers <see cref="Normalizer"/>.</summary>
internal sealed class ClipTextNormalizer(ClipTextCleaner cleaner) : Normalizer
{
    public override string Normalize(string original) => cleaner.Clean(original);

    public override string Normalize(ReadOnlySpan<char> original) => cleaner.Clean(original.ToString());
}
