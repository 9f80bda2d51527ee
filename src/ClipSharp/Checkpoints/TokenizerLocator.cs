namespace ClipSharp.Checkpoints;

/// <summary>Finds a model's tokenizer files, or takes them from an explicit vocabulary location.</summary>
internal static class TokenizerLocator
{
    public static TokenizerFiles Resolve(string folder, string? vocabOverride, ModelLayout layout)
    {
        if (vocabOverride is not null)
        {
            return FromOverride(vocabOverride);
        }

        TokenizerFiles? hf = TryHf(folder);
        TokenizerFiles? openAi = TryOpenAi(folder);
        TokenizerFiles? found = layout == ModelLayout.Hf ? hf ?? openAi : openAi ?? hf;
        return found ?? throw new ModelLoadException(
            $"{folder}: no tokenizer files: expected {TokenizerFiles.OpenAiBpeFileName}, or {TokenizerFiles.VocabJsonFileName} and "
            + $"{TokenizerFiles.MergesFileName}{MissingHalf(folder)}; pass a vocabulary location to use files kept elsewhere.");
    }

    internal static TokenizerFiles FromOverride(string vocab)
    {
        string full = Path.GetFullPath(vocab);
        if (File.Exists(full))
        {
            if (full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                return TokenizerFiles.OpenAi(full);
            }

            if (Path.GetFileName(full) == TokenizerFiles.VocabJsonFileName)
            {
                return TryHf(Path.GetDirectoryName(full)!)
                    ?? throw new ModelLoadException($"{vocab}: no {TokenizerFiles.MergesFileName} next to it.");
            }

            throw new ModelLoadException(
                $"{vocab}: a vocabulary file must be {TokenizerFiles.OpenAiBpeFileName} (a .gz), or a folder holding it or {TokenizerFiles.VocabJsonFileName} + {TokenizerFiles.MergesFileName}.");
        }

        if (Directory.Exists(full))
        {
            return TryHf(full) ?? TryOpenAi(full) ?? throw new ModelLoadException(
                $"{vocab}: the vocabulary folder holds neither {TokenizerFiles.OpenAiBpeFileName} nor {TokenizerFiles.VocabJsonFileName} + {TokenizerFiles.MergesFileName}{MissingHalf(full)}.");
        }

        throw new ModelLoadException($"{vocab}: the vocabulary location does not exist.");
    }

    private static TokenizerFiles? TryHf(string folder)
    {
        string vocab = Path.Combine(folder, TokenizerFiles.VocabJsonFileName), merges = Path.Combine(folder, TokenizerFiles.MergesFileName);
        return File.Exists(vocab) && File.Exists(merges) ? TokenizerFiles.Hf(vocab, merges) : null;
    }

    private static TokenizerFiles? TryOpenAi(string folder)
    {
        string gz = Path.Combine(folder, TokenizerFiles.OpenAiBpeFileName);
        return File.Exists(gz) ? TokenizerFiles.OpenAi(gz) : null;
    }

    private static string MissingHalf(string folder)
    {
        bool vocab = File.Exists(Path.Combine(folder, TokenizerFiles.VocabJsonFileName));
        bool merges = File.Exists(Path.Combine(folder, TokenizerFiles.MergesFileName));
        return (vocab, merges) switch
        {
            (true, false) => $" ({TokenizerFiles.VocabJsonFileName} is there but {TokenizerFiles.MergesFileName} is missing)",
            (false, true) => $" ({TokenizerFiles.MergesFileName} is there but {TokenizerFiles.VocabJsonFileName} is missing)",
            _ => string.Empty,
        };
    }
}
