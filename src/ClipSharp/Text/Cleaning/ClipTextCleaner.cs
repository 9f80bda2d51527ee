namespace ClipSharp.Text.Cleaning;

/// <summary>
/// The reference <c>whitespace_clean(basic_clean(text)).lower()</c>: ftfy (optional), <c>html.unescape</c> twice,
/// strip, <c>\s+</c> → ' ', strip, <c>str.lower()</c>.
/// </summary>
internal sealed class ClipTextCleaner(bool fixText)
{
    public bool FixText { get; } = fixText;

    public string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (FixText)
        {
            text = TextFixer.Fix(text);
        }

        text = PythonHtml.Unescape(PythonHtml.Unescape(text));
        text = PythonText.Strip(PythonText.CollapseSpaces(PythonText.Strip(text)));
        return PythonText.Lower(text);
    }
}
