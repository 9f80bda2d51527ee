using ClipSharp.Bulk;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Bulk;

public sealed class ClipRetrievalOutputTests
{
    private static readonly float[] s_a = [0.1f, -0.2f, 0.3f];
    private static readonly float[] s_c = [1e-3f, 0.5f, -0.75f];

    [Fact]
    public void ImagesGoToImgEmbWithTheirPathsAndFailuresAreLeftOut()
    {
        using var folder = new TempFolder();
        EmbeddingResult[] results =
        [
            EmbeddingResult.Succeeded("/photos/a.jpg", EmbeddingKind.Image, s_a),
            EmbeddingResult.Failed("/photos/b.jpg", EmbeddingKind.Image, "not an image"),
            EmbeddingResult.Succeeded("/photos/c.jpg", EmbeddingKind.Image, s_c),
        ];

        Assert.Equal(2, ClipRetrievalOutput.Write(folder.Path, 3, results, 3, EmbeddingPrecision.Float32));

        (float[] values, int rows, int columns, string descr) = NpyTestFile.Read(folder.File("img_emb/img_emb_3.npy"));
        Assert.Equal((2, 3, "<f4"), (rows, columns, descr));
        Assert.Equal([.. s_a, .. s_c], values);
        Assert.Equal(["/photos/a.jpg", "/photos/c.jpg"], ParquetTestFile.ReadStrings(folder.File("metadata/metadata_3.parquet"), ClipRetrievalOutput.ImagePathColumn));
        Assert.False(Directory.Exists(folder.File("text_emb")));
    }

    [Fact]
    public void TextsGoToTextEmbWithTheirCaptionsInFloat16()
    {
        using var folder = new TempFolder();
        EmbeddingResult[] results =
        [
            EmbeddingResult.Succeeded("a cat", EmbeddingKind.Text, s_a),
            EmbeddingResult.Succeeded("a dog", EmbeddingKind.Text, s_c),
        ];

        ClipRetrievalOutput.Write(folder.Path, 0, results, 3, EmbeddingPrecision.Float16);

        (float[] values, _, _, string descr) = NpyTestFile.Read(folder.File("text_emb/text_emb_0.npy"));
        Assert.Equal("<f2", descr);
        Assert.Equal([.. s_a.Concat(s_c).Select(v => (float)(Half)v)], values);
        Assert.Equal(["a cat", "a dog"], ParquetTestFile.ReadStrings(folder.File("metadata/metadata_0.parquet"), ClipRetrievalOutput.CaptionColumn));
    }

    [Fact]
    public void ARankWithNothingWritesEmptyFiles()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, ClipRetrievalOutput.Write(folder.Path, 1, [], 3, EmbeddingPrecision.Float32));
        Assert.Equal(0, NpyTestFile.Read(folder.File("img_emb/img_emb_1.npy")).Rows);
        Assert.Empty(ParquetTestFile.ReadStrings(folder.File("metadata/metadata_1.parquet"), ClipRetrievalOutput.ImagePathColumn));
    }

    [Fact]
    public void MixedKindsExistingFilesAndOtherRanksFilesAreRefused()
    {
        using var folder = new TempFolder();
        EmbeddingResult image = EmbeddingResult.Succeeded("/a.jpg", EmbeddingKind.Image, s_a);
        EmbeddingResult text = EmbeddingResult.Succeeded("a cat", EmbeddingKind.Text, s_c);
        Assert.Throws<ArgumentException>(() => ClipRetrievalOutput.Write(folder.Path, 0, [image, text], 3, EmbeddingPrecision.Float32));
        Assert.Throws<ArgumentException>(() => ClipRetrievalOutput.Write(folder.Path, 0, [image], 4, EmbeddingPrecision.Float32));

        ClipRetrievalOutput.Write(folder.Path, 0, [image], 3, EmbeddingPrecision.Float32);
        Assert.Throws<IOException>(() => ClipRetrievalOutput.Write(folder.Path, 0, [image], 3, EmbeddingPrecision.Float32));
        ClipRetrievalOutput.Write(folder.Path, 0, [image], 3, EmbeddingPrecision.Float32, overwrite: true);

        ClipRetrievalOutput.Write(folder.Path, 2, [image], 3, EmbeddingPrecision.Float32);
        Assert.Empty(ClipRetrievalOutput.OtherRanks(folder.Path, 3));
        Assert.Equal([folder.File("img_emb/img_emb_2.npy"), folder.File("metadata/metadata_2.parquet")], ClipRetrievalOutput.OtherRanks(folder.Path, 2));
    }

    [Fact]
    public void TheMetadataRecordsTheShareItHolds()
    {
        using var folder = new TempFolder();
        EmbeddingResult image = EmbeddingResult.Succeeded("/a.jpg", EmbeddingKind.Image, s_a);
        Assert.Null(ClipRetrievalOutput.RecordedShare(folder.Path, 0));
        ClipRetrievalOutput.Write(folder.Path, 0, [image], 3, EmbeddingPrecision.Float32, share: "share-0");
        ClipRetrievalOutput.Write(folder.Path, 1, [image], 3, EmbeddingPrecision.Float32);
        Assert.Equal("share-0", ClipRetrievalOutput.RecordedShare(folder.Path, 0));
        Assert.Null(ClipRetrievalOutput.RecordedShare(folder.Path, 1));

        File.WriteAllText(folder.File("metadata/metadata_2.parquet"), "not parquet");
        Assert.Null(ClipRetrievalOutput.RecordedShare(folder.Path, 2));
    }

    [Fact]
    public void AShareFingerprintChangesWithEverythingThatDecidesTheOutput()
    {
        EmbeddingInput[] inputs = [new("/a.jpg", EmbeddingKind.Image), new("/b.jpg", EmbeddingKind.Image)];
        string name = ShareFingerprint.Of("model", new(0, 2), inputs, true, EmbeddingPrecision.Float32);
        Assert.Equal(name, ShareFingerprint.Of("model", new(0, 2), [.. inputs], true, EmbeddingPrecision.Float32));
        Assert.NotEqual(name, ShareFingerprint.Of("other", new(0, 2), inputs, true, EmbeddingPrecision.Float32));
        Assert.NotEqual(name, ShareFingerprint.Of("model", new(1, 2), inputs, true, EmbeddingPrecision.Float32));
        Assert.NotEqual(name, ShareFingerprint.Of("model", new(0, 3), inputs, true, EmbeddingPrecision.Float32));
        Assert.NotEqual(name, ShareFingerprint.Of("model", new(0, 2), inputs[..1], true, EmbeddingPrecision.Float32));
        Assert.NotEqual(name, ShareFingerprint.Of("model", new(0, 2), inputs, false, EmbeddingPrecision.Float32));
        Assert.NotEqual(name, ShareFingerprint.Of("model", new(0, 2), inputs, true, EmbeddingPrecision.Float16));
        Assert.NotEqual(name, ShareFingerprint.Of("model", new(0, 2), [new("/a.jpg", EmbeddingKind.Text), inputs[1]], true, EmbeddingPrecision.Float32));
    }
}
