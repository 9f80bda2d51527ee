namespace ClipSharp.Testing;

/// <summary>Locates the golden fixtures shipped in tests/fixtures and the third-party vocabulary kept outside.</summary>
internal static class Fixtures
{
    public const string VocabEnvironmentVariable = "CLIPSHARP_VOCAB_DIR";

    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>tests/fixtures/golden inside the repository.</summary>
    public static string Golden => Path.Combine(RepoRoot, "tests", "fixtures", "golden");

    public static string GoldenPath(params string[] parts) => Path.Combine([Golden, .. parts]);

    /// <summary>
    /// A 1000-id BPE vocabulary trained from tests/fixtures/tiny-bpe/captions.txt. It fits the tiny golden models
    /// (start 998, end 999), so they run end to end on a clone without the third-party CLIP vocabulary.
    /// </summary>
    public static string TinyVocab => Path.Combine(RepoRoot, "tests", "fixtures", "tiny-bpe", "bpe_tiny_1000.txt.gz");

    /// <summary>The tiny golden ViT CLIP (random weights, vocabulary 1000, context 16, embedding 32).</summary>
    public static string TinyModel => GoldenPath("model", "vit_tiny");

    /// <summary>
    /// The path of a vocabulary file, relative to a golden-style folder (e.g. "tokenizer/bpe_simple_vocab_16e6.txt.gz"),
    /// or null with the reason when no configured location holds it.
    /// </summary>
    public static string? VocabPath(string relative, out string reason)
    {
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable(VocabEnvironmentVariable);
        if (!string.IsNullOrEmpty(env))
        {
            candidates.Add(Path.Combine(env, relative));
        }

        candidates.Add(Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "golden", relative)));
        foreach (string c in candidates)
        {
            if (File.Exists(c))
            {
                reason = string.Empty;
                return c;
            }
        }

        reason = $"the CLIP vocabulary file '{relative}' is not in the repository (third-party data); "
            + $"set {VocabEnvironmentVariable} to a folder holding it, or place ../shared/golden next to the checkout. Looked in: "
            + string.Join(", ", candidates);
        return null;
    }

    /// <summary>The vocabulary file, or an xunit skip with the reason.</summary>
    public static string RequireVocab(string relative)
    {
        string? path = VocabPath(relative, out string reason);
        if (path is null)
        {
            Xunit.Assert.Skip(reason);
        }

        return path!;
    }

    public const string OpenAiMerges = "tokenizer/bpe_simple_vocab_16e6.txt.gz";
    public const string HfVocabJson = "hf/hf/vocab.json";
    public const string HfMergesTxt = "hf/hf/merges.txt";

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "tests", "fixtures", "golden")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"cannot find tests/fixtures/golden above {AppContext.BaseDirectory}.");
    }
}
