using System.Text;
using System.Text.RegularExpressions;
using ClipSharp.IO;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.IO;

public sealed class NpyWriterTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 512)]
    [InlineData(100000, 768)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void HeaderFollowsTheVersion1Layout(int rows, int columns)
    {
        byte[] h = NpyWriter.Header(rows, columns);

        // Magic string, then version 1.0.
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, h[..8]);

        // A little-endian u16 header length that covers the rest of the preamble exactly.
        int length = h[8] | (h[9] << 8);
        Assert.Equal(h.Length - 10, length);

        // The data starts on a 64-byte boundary.
        Assert.Equal(0, h.Length % 64);

        // The dictionary is ASCII, ends with a newline, and is padded with spaces before it.
        string text = Encoding.ASCII.GetString(h, 10, length);
        Assert.True(h[10..].All(b => b < 0x80));
        Assert.EndsWith("\n", text);
        string dict = text.TrimEnd('\n').TrimEnd(' ');
        Assert.Equal(text.Length - 1, dict.Length + text[dict.Length..^1].Count(c => c == ' '));
        Assert.Matches(new Regex(@"^\{'descr': '<f4', 'fortran_order': False, 'shape': \(\d+, \d+\), \}$"), dict);
        Assert.Contains($"'shape': ({rows}, {columns})", dict);
    }

    [Fact]
    public void WritesTheDataAfterTheHeader()
    {
        using var dir = new TempFolder();
        string path = dir.File("e.npy");
        float[] values = [1, -2.5f, 3, 4, 5, float.Epsilon];
        NpyWriter.WriteFile(path, new Tensor(values, 2, 3));
        byte[] bytes = File.ReadAllBytes(path);
        byte[] header = NpyWriter.Header(2, 3);
        Assert.Equal(header, bytes[..header.Length]);
        Assert.Equal(values, Enumerable.Range(0, 6).Select(i => BitConverter.ToSingle(bytes, header.Length + (4 * i))));
        Assert.Equal(header.Length + 24, bytes.Length);
        Assert.Throws<IOException>(() => NpyWriter.WriteFile(path, new Tensor(values, 2, 3)));
        NpyWriter.WriteFile(path, new Tensor(values, 3, 2), overwrite: true);
        Assert.Equal(NpyWriter.Header(3, 2), File.ReadAllBytes(path)[..header.Length]);
    }

    [Fact]
    public void RejectsShapesThatDoNotMatch()
    {
        using var dir = new TempFolder();
        Assert.Throws<ArgumentException>(() => NpyWriter.WriteFile(dir.File("x.npy"), new Tensor(new float[6], 6)));
        Assert.Throws<ArgumentException>(() => NpyWriter.WriteFile(dir.File("x.npy"), new float[5], 2, 3));
        Assert.Empty(dir.Entries());
    }
}
