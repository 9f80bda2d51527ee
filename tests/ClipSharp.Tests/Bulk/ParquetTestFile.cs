using Parquet;
using Parquet.Schema;

namespace ClipSharp.Testing;

/// <summary>Reads a string column of a Parquet file back, all row groups in order.</summary>
internal static class ParquetTestFile
{
    public static string[] ReadStrings(string path, string column) => Read(path, column).GetAwaiter().GetResult();

    private static async Task<string[]> Read(string path, string column)
    {
        await using ParquetReader reader = await ParquetReader.CreateAsync(path);
        DataField field = reader.Schema.GetDataFields().Single(f => f.Name == column);
        var values = new List<string>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
            var buffer = new string?[group.RowCount];
            await group.ReadAsync(field, buffer.AsMemory());
            values.AddRange(buffer.Select(v => v ?? throw new InvalidDataException($"{path}: a null in {column}")));
        }

        return [.. values];
    }
}
