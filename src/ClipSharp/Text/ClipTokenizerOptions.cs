namespace ClipSharp.Text;

/// <summary>Options of <see cref="ClipTokenizer"/>.</summary>
public sealed class ClipTokenizerOptions
{
    /// <summary>
    /// Run the ftfy-style text fixer first, as the reference does with <c>ftfy.fix_text</c> (curly quotes, ligatures,
    /// full-width forms, control characters, C1 controls, whole-line mojibake, NFC). Default true.
    /// </summary>
    public bool FixText { get; init; } = true;
}
