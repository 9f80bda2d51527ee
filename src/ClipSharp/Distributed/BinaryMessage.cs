using System.Text;

namespace ClipSharp.Distributed;

/// <summary>A message between ranks as bytes (UTF-8 strings, little-endian numbers), for <see cref="ByteCollectives"/>.</summary>
internal static class BinaryMessage
{
    /// <summary>A list as one message: its count, then each item as <paramref name="write"/> puts it.</summary>
    public static byte[] FromList<T>(IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(items.Count);
            foreach (T item in items)
            {
                write(writer, item);
            }
        }

        return stream.ToArray();
    }

    /// <summary>The list <see cref="FromList"/> made, each item read back by <paramref name="read"/>.</summary>
    public static List<T> ToList<T>(byte[] bytes, Func<BinaryReader, T> read)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        int count = reader.ReadInt32();
        var items = new List<T>(count);
        for (int i = 0; i < count; i++)
        {
            items.Add(read(reader));
        }

        return items;
    }

    /// <summary>A list of strings (file paths) as one message.</summary>
    public static byte[] FromStrings(IReadOnlyList<string> values) => FromList(values, (writer, value) => writer.Write(value));

    public static List<string> ToStrings(byte[] bytes) => ToList(bytes, reader => reader.ReadString());
}
