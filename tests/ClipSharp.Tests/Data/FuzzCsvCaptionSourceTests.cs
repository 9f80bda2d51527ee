using System.Text;
using ClipSharp.Data;
using ClipSharp.Testing.Fuzzing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Data;

/// <summary>
/// Mutated CSV and TSV caption tables, with and without a header: each either loads or raises
/// <see cref="InvalidDataException"/> naming the table, within a time limit and allocating no more than a bounded
/// amount per byte of the table (a row of a few bytes becomes a sample with its resolved path).
/// </summary>
public sealed class FuzzCsvCaptionSourceTests(ITestOutputHelper output)
{
    private const long AllocationPerFileByte = 256;
    private const long AllocationSlack = 1 << 20;

    private static readonly byte[][] s_tokens =
    [
        "\""u8.ToArray(), "\"\""u8.ToArray(), ","u8.ToArray(), "\t"u8.ToArray(), "\r\n"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(),
        [0xEF, 0xBB, 0xBF], [0xC3], [0xFF, 0xFE], [0], "image"u8.ToArray(), "caption"u8.ToArray(), ",\"\n"u8.ToArray(),
        "\"a,\nb\""u8.ToArray(), "/"u8.ToArray(), "../"u8.ToArray(), "     "u8.ToArray(),
    ];

    private static readonly string[] s_csv =
    [
        "image,caption\na.png,a cat\n\"b.png\",\"a dog, running\"\n\"c.png\",\"two\nlines \"\"quoted\"\"\"\r\nd.png,\n,no image\n",
        "id,filepath,title,extra\r\n1,sub/a.png,\"x, y\",\r\n2,/abs/b.png,plain,\"\"\r\n\r\n3,c.png,\"\"\"\",last",
    ];

    private static readonly string[] s_tsv =
    [
        "caption\tfilepath\nthe \"best\" dog\tx.png\n\nan \"unbalanced quote\tsub/y.png\r\n",
        "image\ttext\textra\na.png\tone\t\"\nb.png\t\ttwo\n",
    ];

    [Theory]
    [InlineData(".csv", true, 1600)]
    [InlineData(".csv", false, 600)]
    [InlineData(".tsv", true, 1600)]
    [InlineData(".tsv", false, 600)]
    public void MutatedTablesLoadOrRaiseTheDataError(string extension, bool header, int cases)
    {
        byte[][] seeds = [.. (extension == ".csv" ? s_csv : s_tsv).Select(Encoding.UTF8.GetBytes)];
        CsvSourceOptions options = header ? CsvSourceOptions.Default : new() { HasHeader = false, ImageColumn = "0", CaptionColumn = "1" };
        var mutator = new Mutator(6200 + cases + extension.Length, tokens: s_tokens);
        var run = new FuzzRun($"{extension} table (header {header})", output, typeof(InvalidDataException));
        using var folder = new TempFolder();
        string table = folder.File("pairs" + extension);
        for (int i = 0; i < cases; i++)
        {
            (MutationKind kind, byte[] bytes) = mutator.Next(seeds, i);
            File.WriteAllBytes(table, bytes);
            run.Case($"case {i}", table, AllocationSlack + (AllocationPerFileByte * bytes.Length), () => Check(CsvCaptionSource.Load(table, options)), kind.ToString(), bytes);
        }

        run.Finish();
    }

    // What a loaded table promises: every sample has a trimmed, non-empty caption and a unique key.
    private static void Check(CaptionDataset set)
    {
        Assert.All(set.Samples, s => Assert.True(s.Caption.Length > 0 && s.Caption == s.Caption.Trim(), s.Key));
        Assert.Equal(set.Samples.Count, set.Samples.Select(s => s.Key).Distinct(StringComparer.Ordinal).Count());
    }
}
