using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ClipSharp.Tensors;

namespace ClipSharp.IO;

/// <summary>
/// Writes NumPy <c>.npy</c> files, format version 1.0: little-endian float32 (<c>&lt;f4</c>) or float16 (<c>&lt;f2</c>),
/// C order, two dimensions.
/// </summary>
public static class NpyWriter
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // NumPy pads the header so that the data starts on a 64-byte boundary.
    private const int Alignment = 64;

    /// <summary>The preamble and header of a [rows, columns] float32 array: magic, version 1.0, length, padded dictionary.</summary>
    public static byte[] Header(int rows, int columns) => Header(rows, columns, "<f4");

    private static byte[] Header(int rows, int columns, string descr)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        string dict = string.Create(
            CultureInfo.InvariantCulture,
            $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");

        // magic (6) + version (2) + header length (2) + dictionary + spaces + '\n' is a multiple of the alignment.
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (Alignment - (unpadded % Alignment)) % Alignment;
        int headerLength = dict.Length + padding + 1;
        var result = new byte[Magic.Length + 4 + headerLength];
        Magic.CopyTo(result);
        result[6] = 1;
        result[7] = 0;
        result[8] = (byte)(headerLength & 0xFF);
        result[9] = (byte)(headerLength >> 8);
        Encoding.ASCII.GetBytes(dict, result.AsSpan(10));
        result.AsSpan(10 + dict.Length, padding).Fill((byte)' ');
        result[^1] = (byte)'\n';
        return result;
    }

    /// <summary>Writes a row-major [rows, columns] float32 matrix to a stream.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> data, int rows, int columns)
    {
        Check(stream, data.Length, rows, columns);
        stream.Write(Header(rows, columns));
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Writes a row-major [rows, columns] float16 matrix to a stream.</summary>
    public static void Write(Stream stream, ReadOnlySpan<Half> data, int rows, int columns)
    {
        Check(stream, data.Length, rows, columns);
        stream.Write(Header(rows, columns, "<f2"));
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Writes a row-major [rows, columns] float16 matrix to <paramref name="path"/> atomically.</summary>
    public static void WriteFile(string path, ReadOnlyMemory<Half> data, int rows, int columns, bool overwrite = false)
    {
        Check(Stream.Null, data.Length, rows, columns);
        AtomicFile.Write(path, s => Write(s, data.Span, rows, columns), overwrite);
    }

    private static void Check(Stream stream, int length, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if ((long)rows * columns != length)
        {
            throw new ArgumentException($"a [{rows}, {columns}] array needs {(long)rows * columns} values, not {length}.", "data");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the .npy writer stores little-endian values and needs a little-endian machine.");
        }
    }

    /// <summary>Writes a rank-2 tensor to <paramref name="path"/> atomically.</summary>
    public static void WriteFile(string path, Tensor matrix, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Rank != 2)
        {
            throw new ArgumentException($"a .npy matrix must have rank 2, not shape {matrix.ShapeString}.", nameof(matrix));
        }

        WriteFile(path, matrix.Memory, matrix.Dim(0), matrix.Dim(1), overwrite);
    }

    /// <summary>Writes a row-major [rows, columns] float32 matrix to <paramref name="path"/> atomically.</summary>
    public static void WriteFile(string path, ReadOnlyMemory<float> data, int rows, int columns, bool overwrite = false)
    {
        Check(Stream.Null, data.Length, rows, columns);
        AtomicFile.Write(path, s => Write(s, data.Span, rows, columns), overwrite);
    }
}
