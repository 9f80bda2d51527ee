using System.Formats.Tar;
using System.Text;
using ClipSharp.Tests.Imaging;

namespace ClipSharp.Tests.Data;

/// <summary>Small PNGs, caption files and tar shards for the data-source tests.</summary>
internal static class DataFiles
{
    /// <summary>An RGB PNG whose pixel (x, y) is (x * 7 + tone, y * 11 + tone, tone), so crops and offsets show.</summary>
    public static byte[] Png(int width, int height, byte tone)
    {
        var rows = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = ((y * width) + x) * 3;
                rows[i] = (byte)((x * 7) + tone);
                rows[i + 1] = (byte)((y * 11) + tone);
                rows[i + 2] = tone;
            }
        }

        return TestImageFiles.Png(width, height, 8, 2, rows);
    }

    public static string WritePng(string folder, string relative, int width = 12, int height = 10, byte tone = 40)
    {
        string path = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Png(width, height, tone));
        return path;
    }

    public static void WriteText(string folder, string relative, string text)
    {
        string path = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>A tar shard of the given (member name, bytes) in order, in the given tar format.</summary>
    public static void WriteTar(string path, TarEntryFormat format, params (string Name, byte[] Data)[] members)
    {
        using FileStream file = File.Create(path);
        using var writer = new TarWriter(file, format);
        foreach ((string name, byte[] data) in members)
        {
            TarEntry entry = format switch
            {
                TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                _ => new UstarTarEntry(TarEntryType.RegularFile, name),
            };
            entry.DataStream = new MemoryStream(data);
            writer.WriteEntry(entry);
        }
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
