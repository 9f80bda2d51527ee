using ClipSharp.Text.Cleaning;

namespace ClipSharp.Tests.Text;

public sealed class TextFixerTests
{
    [Theory]
    [InlineData("\u201ccurly double quotes\u201d", "\"curly double quotes\"")]
    [InlineData("it\u2019s \u2018x\u2019 \u201b\u201f \u02bc", "it's 'x' '\" '")]
    [InlineData("\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48\u3000\uff34\uff45\uff58\uff54", "Fullwidth Text")]
    [InlineData("\u4e2d\u6587\uff0c\u6807\u70b9\uff01", "\u4e2d\u6587,\u6807\u70b9!")]
    [InlineData("\ufb01sh and \ufb02ower \ufb03 \u0133 \u01c6", "fish and flower ffi ij d\u017e")]
    [InlineData("cafe\u0301", "caf\u00e9")]
    [InlineData("\u212b angstrom", "\u00c5 angstrom")]
    [InlineData("half\uff8a\uff9d\uff76\uff78 \uff76\uff9e", "half\u30cf\u30f3\u30ab\u30af \u30ac")]
    [InlineData("mojibake: caf\u00c3\u00a9", "mojibake: caf\u00e9")]
    [InlineData("\u00c2\u00a0weird nbsp", "\u00a0weird nbsp")]
    [InlineData("\u00e2\u20ac\u0153quoted\u00e2\u20ac\u009d", "\"quoted\"")]
    [InlineData("null\u0000char and bell\u0007\u001c\u007f\ufeff", "nullchar and bell")]
    [InlineData("tab\tnl\ncr\rff\f", "tab\tnl\ncr\nff\f")]
    [InlineData("a\r\nb\u2028c\u2029d", "a\nb\nc\nd")]
    [InlineData("\u0080 \u0085 \u0081", "\u20ac \u2026 \u0081")]
    [InlineData("red \u001b[31;1mtext\u001b[0m", "red text")]
    [InlineData("&amp;amp;amp; triple escaped", "& triple escaped")]
    [InlineData("&NTILDE; &ntilde; &#x41; &#65; &ampx", "\u00d1 \u00f1 A A &ampx")]
    [InlineData("<b>&amp;</b>", "<b>&amp;</b>")]
    [InlineData("na\u00efve caf\u00e9 \u00c3", "na\u00efve caf\u00e9 \u00c3")]
    [InlineData("plain ascii text", "plain ascii text")]
    public void FixesLikeFtfy(string input, string expected) => Assert.Equal(expected, TextFixer.Fix(input));

    [Fact]
    public void LoneSurrogatesBecomeReplacementCharacters()
    {
        // Not theory data: a lone surrogate does not survive test-case serialization.
        Assert.Equal("lone \ufffd surrogate \ud83d\ude00 \ufffd", TextFixer.Fix("lone \ud800 surrogate \ud83d\ude00 \ude00"));
    }

    [Fact]
    public void HtmlIsLeftAloneFromTheFirstLineWithATagOn()
    {
        Assert.Equal("&\n<p>\n&amp;", TextFixer.Fix("&amp;\n<p>\n&amp;"));
    }

    [Fact]
    public void NfcComposesAndOrdersMarks()
    {
        Assert.Equal("\u1e69", CanonicalComposition.Nfc("s\u0323\u0307"));
        Assert.Equal("\u1e69", CanonicalComposition.Nfc("s\u0307\u0323"));
        Assert.Equal("\uac01", CanonicalComposition.Nfc("\u1100\u1161\u11a8"));
        Assert.Equal("\u0915\u093c", CanonicalComposition.Nfc("\u0958")); // composition exclusion
        Assert.Equal("\u00e9\u0301", CanonicalComposition.Nfc("e\u0301\u0301"));
    }
}
