using ClipSharp.Text.Cleaning;

namespace ClipSharp.Tests.Text;

/// <summary>Expected values are the output of Python 3.11's str.lower() / str.isspace().</summary>
public sealed class PythonTextTests
{
    [Theory]
    [InlineData("\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c2")]
    [InlineData("\u0130", "i\u0307")]
    [InlineData("\u03a3\u0391\u03a3 \u039f\u0394\u039f\u03a3", "\u03c3\u03b1\u03c2 \u03bf\u03b4\u03bf\u03c2")]
    [InlineData("\u03a3", "\u03c3")]
    [InlineData("A\u03a3", "a\u03c2")]
    [InlineData("A\u03a3b", "a\u03c3b")]
    [InlineData("A\u03a3.", "a\u03c2.")]
    [InlineData("A'\u03a3", "a'\u03c2")]
    [InlineData("A\u0301\u03a3", "a\u0301\u03c2")]
    [InlineData("\u0391\u03a3\u0301", "\u03b1\u03c2\u0301")]
    [InlineData("\u0391\u03a3\u0301\u0391", "\u03b1\u03c3\u0301\u03b1")]
    [InlineData("1\u03a3", "1\u03c3")]
    [InlineData("\u0386\u03a31", "\u03ac\u03c21")]
    [InlineData("\u1e9e", "\u00df")]
    [InlineData("\u01c4", "\u01c6")]
    [InlineData("\u01c5", "\u01c6")]
    [InlineData("\u212a", "k")]
    [InlineData("\u00c5", "\u00e5")]
    [InlineData("\u2126", "\u03c9")]
    [InlineData("\ud801\udc00", "\ud801\udc28")]
    [InlineData("\u1f88", "\u1f80")]
    [InlineData("Hello WORLD", "hello world")]
    public void LowerMatchesPython(string input, string expected) => Assert.Equal(expected, PythonText.Lower(input));

    [Fact]
    public void LowerKeepsLoneSurrogates() => Assert.Equal("\ud800a", PythonText.Lower("\ud800A"));

    [Fact]
    public void IsSpaceIsExactlyPythonsSet()
    {
        int[] expected =
        [
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
            0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
        ];
        int[] actual = [.. Enumerable.Range(0, 0x110000).Where(PythonText.IsSpace)];
        Assert.Equal(expected, actual);
        Assert.False(PythonText.IsSpace(0x200b));
    }

    [Fact]
    public void WhitespaceCleaningCollapsesEveryPythonSpace()
    {
        Assert.Equal("a b c d e", PythonText.Strip(PythonText.CollapseSpaces(" \u3000a\u001cb\u0085\u00a0c\r\n\td\u2029e\f ")));
        Assert.Equal("a\u200bb", PythonText.CollapseSpaces("a\u200bb"));
    }
}
