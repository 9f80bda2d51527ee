using ClipSharp.Text;

namespace ClipSharp.Checkpoints.Conversion;

/// <summary>
/// Writes a loaded model as a model folder in either layout. Hugging Face: <c>config.json</c>,
/// <c>model.safetensors</c>, <c>vocab.json</c>, <c>merges.txt</c>, <c>preprocessor_config.json</c>, loadable by
/// transformers' <c>CLIPModel</c>. OpenAI: <c>weights.safetensors</c> under the reference names with the
/// constructor arguments as metadata, plus the tokenizer file(s). The folder is built next to the target and
/// renamed into place, so a failed conversion leaves nothing half-written.
/// </summary>
public static class ModelConverter
{
    public const string OpenAiWeightsFileName = "weights.safetensors";

    /// <param name="checkpoint">The model to write (any format <see cref="ModelFolder"/> loads).</param>
    /// <param name="outFolder">The folder to create.</param>
    /// <param name="layout">The naming scheme of the written weights.</param>
    /// <param name="dtype">
    /// F32, F16 or BF16 for every weight (rounded to nearest even); or I8 (OpenAI layout only): the matrix weights
    /// of <see cref="QuantizedWeights"/> as symmetric per-output-channel int8 with float32 scales, everything else
    /// float32. Int8 is meant for inference; training from it starts from the dequantised weights.
    /// </param>
    /// <param name="overwrite">Replace an existing <paramref name="outFolder"/>; without it an existing one is an error.</param>
    public static void Convert(ClipCheckpoint checkpoint, string outFolder, ModelLayout layout, SafeTensorsDType dtype, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrEmpty(outFolder);
        if (dtype is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.I8))
        {
            throw new ArgumentException($"weights can be written as F32, F16, BF16 or I8, not {dtype}.", nameof(dtype));
        }

        if (dtype == SafeTensorsDType.I8 && layout == ModelLayout.Hf)
        {
            throw new ArgumentException(
                $"{checkpoint.Path}: int8 weights are written in the OpenAI layout only (transformers' CLIPModel does not read per-channel int8); use the OpenAI layout, or f16.",
                nameof(layout));
        }

        if (layout == ModelLayout.Hf && !checkpoint.Config.IsVisionTransformer)
        {
            throw new ArgumentException($"{checkpoint.Path}: a Hugging Face CLIPModel has only a Vision Transformer image tower; this model is a ModifiedResNet (use the OpenAI layout).", nameof(layout));
        }

        string target = Path.GetFullPath(outFolder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        string parent = Path.GetDirectoryName(target) ?? throw new IOException($"{outFolder}: cannot write a model at the root of a file system.");
        if (!Directory.Exists(parent))
        {
            throw new DirectoryNotFoundException($"{outFolder}: the folder '{parent}' does not exist.");
        }

        if (!overwrite && (Directory.Exists(target) || File.Exists(target)))
        {
            throw new IOException($"{outFolder}: already exists; pass --force to replace it.");
        }

        string temp = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            if (layout == ModelLayout.Hf)
            {
                WriteHf(checkpoint, temp, dtype);
            }
            else
            {
                WriteOpenAi(checkpoint, temp, dtype);
            }

            Place(temp, target, overwrite, outFolder);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }

    private static void WriteHf(ClipCheckpoint checkpoint, string folder, SafeTensorsDType dtype)
    {
        HfClipConfig.WriteFile(Path.Combine(folder, ModelFolder.ConfigFileName), checkpoint.Config);
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt");
        foreach (var (name, tensor) in HfNameMap.OpenAiToHf(checkpoint.StateDict))
        {
            writer.Add(name, tensor, dtype);
        }

        writer.Save(Path.Combine(folder, ModelFolder.HfWeightsFileName));
        TokenizerFiles t = checkpoint.Tokenizer;
        if (t.Kind == TokenizerFileKind.HfVocabMerges)
        {
            File.Copy(t.VocabJsonPath!, Path.Combine(folder, TokenizerFiles.VocabJsonFileName));
            File.Copy(t.MergesPath!, Path.Combine(folder, TokenizerFiles.MergesFileName));
        }
        else
        {
            using FileStream gz = File.OpenRead(t.BpeGzPath!);
            HfTokenizerFiles.Write(ClipVocabulary.FromOpenAi(gz, t.BpeGzPath!), folder);
        }

        HfPreprocessorConfig.WriteFile(Path.Combine(folder, HfPreprocessorConfig.FileName), checkpoint.Preprocess);
    }

    private static void WriteOpenAi(ClipCheckpoint checkpoint, string folder, SafeTensorsDType dtype)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (key, value) in ClipArchitecture.ToHints(checkpoint.Config))
        {
            writer.AddMetadata(key, value);
        }

        writer.AddMetadata("format", "pt");
        writer.AddMetadata(DTypeMetadataKey, DTypeName(dtype));
        foreach (var (name, tensor) in checkpoint.StateDict)
        {
            if (dtype == SafeTensorsDType.I8)
            {
                AddInt8OrFloat(writer, name, tensor);
            }
            else
            {
                writer.Add(name, tensor, dtype);
            }
        }

        writer.Save(Path.Combine(folder, OpenAiWeightsFileName));
        TokenizerFiles t = checkpoint.Tokenizer;
        if (t.Kind == TokenizerFileKind.OpenAiBpeGz)
        {
            File.Copy(t.BpeGzPath!, Path.Combine(folder, TokenizerFiles.OpenAiBpeFileName));
        }
        else
        {
            File.Copy(t.VocabJsonPath!, Path.Combine(folder, TokenizerFiles.VocabJsonFileName));
            File.Copy(t.MergesPath!, Path.Combine(folder, TokenizerFiles.MergesFileName));
        }

        if (!checkpoint.Preprocess.Equals(PreprocessSettings.ForResolution(checkpoint.Config.ImageResolution)))
        {
            HfPreprocessorConfig.WriteFile(Path.Combine(folder, HfPreprocessorConfig.FileName), checkpoint.Preprocess);
        }
    }

    /// <summary>The metadata key that records the weights' storage type (f32, f16, bf16 or int8).</summary>
    public const string DTypeMetadataKey = "dtype";

    public static string DTypeName(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F16 => "f16",
        SafeTensorsDType.BF16 => "bf16",
        SafeTensorsDType.I8 => "int8",
        _ => "f32",
    };

    // A quantisable matrix weight as int8 plus its [out] float32 scales; everything else stays float32.
    private static void AddInt8OrFloat(SafeTensorsWriter writer, string name, ClipSharp.Tensors.Tensor tensor)
    {
        if (!QuantizedWeights.IsQuantizable(name, tensor.Shape))
        {
            writer.Add(name, tensor, SafeTensorsDType.F32);
            return;
        }

        (sbyte[] values, float[] scales) = QuantizedWeights.QuantizeInt8(name, tensor.Span, tensor.Shape);
        writer.AddInt8(name, values, tensor.Shape.ToArray());
        writer.Add(QuantizedWeights.ScaleName(name), scales, [scales.Length], SafeTensorsDType.F32);
    }

    /// <summary>Renames the finished folder into place; a replaced folder is moved aside first and removed after.</summary>
    private static void Place(string temp, string target, bool overwrite, string outFolder)
    {
        string? aside = null;
        if (overwrite && (Directory.Exists(target) || File.Exists(target)))
        {
            aside = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.old");
            if (Directory.Exists(target))
            {
                Directory.Move(target, aside);
            }
            else
            {
                File.Move(target, aside);
            }
        }

        try
        {
            Directory.Move(temp, target);
        }
        catch (IOException e)
        {
            throw new IOException($"{outFolder}: cannot move the converted model into place: {e.Message}", e);
        }

        if (aside is not null)
        {
            if (Directory.Exists(aside))
            {
                Directory.Delete(aside, recursive: true);
            }
            else
            {
                File.Delete(aside);
            }
        }
    }
}
