using ClipSharp.Text.Cleaning;

namespace ClipSharp.Tests.Text;

/// <summary>Expected values are the output of Python 3.11's html.unescape for each input.</summary>
public sealed class PythonHtmlTests
{
    [Theory]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&ampx", "&x")]
    [InlineData("&amp", "&")]
    [InlineData("&notit;", "\u00acit;")]
    [InlineData("&notin;", "\u2209")]
    [InlineData("&noti", "\u00aci")]
    [InlineData("&#0;", "\ufffd")]
    [InlineData("&#x80;", "\u20ac")]
    [InlineData("&#xD800;", "\ufffd")]
    [InlineData("&#1114112;", "\ufffd")]
    [InlineData("&#65", "A")]
    [InlineData("&#x41", "A")]
    [InlineData("&#X41;", "A")]
    [InlineData("&#x;", "&#x;")]
    [InlineData("&#;", "&#;")]
    [InlineData("&#", "&#")]
    [InlineData("&", "&")]
    [InlineData("a & b", "a & b")]
    [InlineData("&lt;&gt;", "<>")]
    [InlineData("&LT;", "<")]
    [InlineData("&Lt;", "\u226a")]
    [InlineData("&copy2024", "\u00a92024")]
    [InlineData("&#13;", "\r")]
    [InlineData("&#x1;", "")]
    [InlineData("&#xFFFF;", "")]
    [InlineData("&#x10FFFF;", "")]
    [InlineData("&#x110000;", "\ufffd")]
    [InlineData("&#99999999999999999999;", "\ufffd")]
    [InlineData("&#128512;", "\ud83d\ude00")]
    [InlineData("&#x9F;", "\u0178")]
    [InlineData("&#x81;", "\u0081")]
    [InlineData("&unknown;", "&unknown;")]
    [InlineData("&aacute", "\u00e1")]
    [InlineData("&Aacute;", "\u00c1")]
    [InlineData("&amp;&amp;", "&&")]
    [InlineData("&&amp;", "&&")]
    [InlineData("&a", "&a")]
    [InlineData("&ab;", "&ab;")]
    [InlineData("&zwj;", "\u200d")]
    [InlineData("&nbsp;x", "\u00a0x")]
    [InlineData("&nbspx", "\u00a0x")]
    [InlineData("&#x7f;", "")]
    [InlineData("&#xFDD0;", "")]
    [InlineData("&#x1FFFE;", "")]
    [InlineData("&thinsp;&ThinSpace;", "\u2009\u2009")]
    [InlineData("&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;")]
    [InlineData("&lt\ud83d\ude00;", "<\ud83d\ude00;")]
    [InlineData("&\ud83d\ude00;", "&\ud83d\ude00;")]
    [InlineData("&gt\t;", ">\t;")]
    public void MatchesPythonUnescape(string input, string expected) => Assert.Equal(expected, PythonHtml.Unescape(input));

    [Fact]
    public void TwiceUndoesDoubleEscaping() =>
        Assert.Equal("&", PythonHtml.Unescape(PythonHtml.Unescape("&amp;amp;")));

    [Fact]
    public void NameLengthCountsCodePoints()
    {
        // 31 astral characters are 62 UTF-16 units but 31 code points: still inside the 32-code-point name limit.
        string name = "lt" + string.Concat(Enumerable.Repeat("\ud83d\ude00", 30));
        Assert.Equal("<" + name[2..], PythonHtml.Unescape("&" + name));
    }
}
