namespace ClipSharp.Checkpoints;

public enum TokenizerFileKind
{
    /// <summary>OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c> (merges only; the vocabulary is derived from them).</summary>
    OpenAiBpeGz,

    /// <summary>Hugging Face <c>vocab.json</c> + <c>merges.txt</c>.</summary>
    HfVocabMerges,
}

/// <summary>The tokenizer files of a model: <see cref="BpeGzPath"/> for OpenAI's, or <see cref="VocabJsonPath"/> and <see cref="MergesPath"/>.</summary>
public sealed record TokenizerFiles(TokenizerFileKind Kind, string? BpeGzPath, string? VocabJsonPath, string? MergesPath)
{
    public const string OpenAiBpeFileName = "bpe_simple_vocab_16e6.txt.gz";
    public const string VocabJsonFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";

    public static TokenizerFiles OpenAi(string bpeGzPath) => new(TokenizerFileKind.OpenAiBpeGz, bpeGzPath, null, null);

    public static TokenizerFiles Hf(string vocabJsonPath, string mergesPath) => new(TokenizerFileKind.HfVocabMerges, null, vocabJsonPath, mergesPath);

    /// <summary>
    /// The tokenizer files at a user-given location: a bpe_simple_vocab_16e6.txt.gz, a vocab.json with merges.txt
    /// beside it, or a folder holding either. Throws <see cref="ModelLoadException"/> naming the location otherwise.
    /// </summary>
    public static TokenizerFiles Locate(string vocab) => TokenizerLocator.FromOverride(vocab);
}
