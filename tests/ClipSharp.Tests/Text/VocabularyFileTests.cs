using ClipSharp.Text;

namespace ClipSharp.Tests.Text;

public sealed class VocabularyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipsharp-vocab-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void SyntheticVocabularyHasTheReferenceLayout()
    {
        var tokenizer = SyntheticVocabulary.OpenAi();
        Assert.Equal(518, tokenizer.VocabularySize);
        Assert.Equal(SyntheticVocabulary.StartOfText, tokenizer.StartOfTextId);
        Assert.Equal(SyntheticVocabulary.EndOfText, tokenizer.EndOfTextId);
        Assert.Equal([SyntheticVocabulary.Hello], tokenizer.Encode("Hello"));
        // "hell" ends in l</w>, and "l l</w>" is no merge.
        Assert.Equal([512, SyntheticVocabulary.ByteId((byte)'l'), 256 + SyntheticVocabulary.ByteId((byte)'l')], tokenizer.Encode("hell"));
    }

    [Fact]
    public void GzipAndPlainTextFilesGiveTheSameTokenizer()
    {
        string gz = Write("merges.txt.gz", SyntheticVocabulary.Gzip(SyntheticVocabulary.Merges));
        string plain = Write("merges.txt", System.Text.Encoding.UTF8.GetBytes(SyntheticVocabulary.Merges));
        var a = ClipTokenizer.Create(gz);
        var b = ClipTokenizer.Create(plain);
        var c = ClipTokenizer.Create(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(SyntheticVocabulary.Merges)));
        foreach (string text in (string[])["hello world", "Hell's hello!", "h\u00e9llo 42"])
        {
            Assert.Equal(a.Encode(text), b.Encode(text));
            Assert.Equal(a.Encode(text), c.Encode(text));
        }
    }

    [Fact]
    public void HuggingFaceFilesGiveTheSameIdsAsTheMergesFile()
    {
        var openAi = SyntheticVocabulary.OpenAi();
        var hf = ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Json(SyntheticVocabulary.HfVocab()), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges));
        Assert.Equal(openAi.VocabularySize, hf.VocabularySize);
        Assert.Equal(openAi.Encode("hello hell, hello!"), hf.Encode("hello hell, hello!"));
        string vocabPath = Write("vocab.json", SyntheticVocabulary.Json(SyntheticVocabulary.HfVocab()).ToArray());
        string mergesPath = Write("merges.txt", SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges).ToArray());
        Assert.Equal([SyntheticVocabulary.Hello], ClipTokenizer.CreateFromHuggingFace(vocabPath, mergesPath).Encode("hello"));
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        string path = Path.Combine(_dir, "absent.txt.gz");
        var e = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.Create(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => ClipTokenizer.CreateFromHuggingFace(path, path));
    }

    [Fact]
    public void GzNameWithoutGzipDataIsRejected()
    {
        string path = Write("bpe.txt.gz", System.Text.Encoding.UTF8.GetBytes(SyntheticVocabulary.Merges));
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Create(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not gzip", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptGzipIsRejected()
    {
        byte[] gz = SyntheticVocabulary.Gzip(SyntheticVocabulary.Merges);
        byte[] corrupt = [.. gz.Take(12), .. Enumerable.Repeat((byte)0xFF, 40)];
        string path = Write("corrupt.txt.gz", corrupt);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Create(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("header\nh e\nl l x\n", "line 3")]
    [InlineData("header\nh e\n\nl l\n", "line 3")]
    [InlineData("header\n", "no merges")]
    [InlineData("", "no merges")]
    public void MalformedMergesFileIsRejected(string content, string expected)
    {
        string path = Write("bad.txt", System.Text.Encoding.UTF8.GetBytes(content));
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Create(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonUtf8MergesFileIsRejected()
    {
        string path = Write("latin1.txt", [.. "header\nh e\n"u8, 0xE9, 0x20, 0x41, 0x0A]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Create(path));
        Assert.Contains("not UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergeWhoseSymbolsAreMissingFromVocabJsonIsAMismatch()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Json(SyntheticVocabulary.HfVocab()), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges + "hello x\n")));
        Assert.Contains("vocab/merges mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VocabJsonProblemsAreNamed()
    {
        var noSpecial = SyntheticVocabulary.HfVocab();
        noSpecial.Remove("<|endoftext|>");
        var e1 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Json(noSpecial), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges)));
        Assert.Contains("<|endoftext|>", e1.Message, StringComparison.Ordinal);

        var gap = SyntheticVocabulary.HfVocab();
        gap["<|endoftext|>"] = 9999;
        var e2 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Json(gap), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges)));
        Assert.Contains("9999", e2.Message, StringComparison.Ordinal);

        var e3 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Utf8("{\"a\": 0,"), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges)));
        Assert.Contains("not valid JSON", e3.Message, StringComparison.Ordinal);

        var e4 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Utf8("[1, 2]"), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges)));
        Assert.Contains("JSON object", e4.Message, StringComparison.Ordinal);

        var e5 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Utf8("{\"a\": \"zero\"}"), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges)));
        Assert.Contains("not an integer", e5.Message, StringComparison.Ordinal);

        var missingByte = SyntheticVocabulary.HfVocab();
        int id = missingByte["!"];
        missingByte.Remove("!");
        missingByte["?!?"] = id;
        var e6 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Json(missingByte), SyntheticVocabulary.Utf8(SyntheticVocabulary.HfMerges)));
        Assert.Contains("byte symbol", e6.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergesTxtWithoutVersionHeaderIsRejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.CreateFromHuggingFace(
            SyntheticVocabulary.Json(SyntheticVocabulary.HfVocab()), SyntheticVocabulary.Utf8("h e\nl l\n")));
        Assert.Contains("#version", e.Message, StringComparison.Ordinal);
    }
}
