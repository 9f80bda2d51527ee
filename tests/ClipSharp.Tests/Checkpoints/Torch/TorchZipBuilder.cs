using System.IO.Compression;

namespace ClipSharp.Tests.Checkpoints.Torch;

/// <summary>Builds a <c>torch.save</c>-style zip archive: <c>archive/data.pkl</c>, <c>archive/data/&lt;key&gt;</c>, <c>archive/version</c>.</summary>
internal static class TorchZipBuilder
{
    public static byte[] Build(byte[] dataPkl, IReadOnlyDictionary<string, byte[]> storages, bool torchScript = false, string folder = "archive")
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, $"{folder}/data.pkl", dataPkl);
            foreach (var (key, bytes) in storages)
            {
                Add(zip, $"{folder}/data/{key}", bytes);
            }

            if (torchScript)
            {
                Add(zip, $"{folder}/constants.pkl", new PickleBuilder().Op(')').Stop().ToArray());
            }

            Add(zip, $"{folder}/version", "3\n"u8.ToArray());
        }

        return buffer.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        using Stream s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(bytes);
    }
}
