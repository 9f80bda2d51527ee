using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace ClipSharp.Testing;

/// <summary>Reads back the 2-D float32/float16 .npy files the library writes, header checked, values as floats.</summary>
internal static class NpyTestFile
{
    public static (float[] Values, int Rows, int Columns, string Descr) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        int headerLength = bytes[8] | (bytes[9] << 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        string descr = Regex.Match(header, "'descr': '([^']+)'").Groups[1].Value;
        Match shape = Regex.Match(header, @"'shape': \((\d+), (\d+)\)");
        int rows = int.Parse(shape.Groups[1].Value, CultureInfo.InvariantCulture);
        int columns = int.Parse(shape.Groups[2].Value, CultureInfo.InvariantCulture);
        ReadOnlySpan<byte> data = bytes.AsSpan(10 + headerLength);
        float[] values = descr switch
        {
            "<f4" => MemoryMarshal.Cast<byte, float>(data).ToArray(),
            "<f2" => [.. MemoryMarshal.Cast<byte, Half>(data).ToArray().Select(h => (float)h)],
            _ => throw new InvalidDataException($"{path}: unexpected dtype {descr}"),
        };
        Assert.Equal(rows * columns, values.Length);
        return (values, rows, columns, descr);
    }
}
