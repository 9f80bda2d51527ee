using System.Formats.Tar;
using System.Text;
using ClipSharp.Tests.Search;

namespace ClipSharp.Tests.Bulk;

/// <summary>Webdataset shards of generated PNGs with captions, for the bulk-embedding tests.</summary>
internal static class WebDatasetShards
{
    /// <summary>
    /// Writes <paramref name="shards"/> shards shard-000.tar… of <paramref name="perShard"/> samples each into
    /// <paramref name="folder"/>: member <c>s{shard}-{i}.png</c> and its caption <c>s{shard}-{i}.txt</c>, "caption {seed}".
    /// With <paramref name="uncaptioned"/>, each shard also holds one image without a caption.
    /// </summary>
    public static List<string> Write(string folder, int shards, int perShard, bool uncaptioned = false)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (int s = 0; s < shards; s++)
        {
            string path = Path.Combine(folder, $"shard-{s:D3}.tar");
            using (FileStream file = File.Create(path))
            using (var writer = new TarWriter(file, TarEntryFormat.Pax))
            {
                for (int i = 0; i < perShard; i++)
                {
                    int seed = (s * 100) + i;
                    Add(writer, $"s{s}-{i}.png", GeneratedImages.Png(seed));
                    Add(writer, $"s{s}-{i}.txt", Encoding.UTF8.GetBytes(Caption(seed)));
                }

                if (uncaptioned)
                {
                    Add(writer, $"s{s}-nocaption.png", GeneratedImages.Png(9000 + s));
                }
            }

            paths.Add(path);
        }

        return paths;
    }

    public static string Caption(int seed) => $"caption {seed}";

    private static void Add(TarWriter writer, string name, byte[] data)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
        writer.WriteEntry(entry);
    }
}
