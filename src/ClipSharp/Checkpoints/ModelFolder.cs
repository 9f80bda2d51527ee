using System.Text.Json;
using ClipSharp.Checkpoints.Torch;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>
/// Loads a CLIP model from a folder or a single weights file (safetensors, or a PyTorch <c>.pt</c>/<c>.pth</c>/<c>.bin</c>
/// checkpoint: a <c>torch.save</c> state dict, an open_clip training checkpoint, or an OpenAI TorchScript archive,
/// all read without executing anything), in either layout:
/// a Hugging Face <c>CLIPModel</c> folder (config.json with model_type clip, model.safetensors, vocab.json,
/// merges.txt, optional preprocessor_config.json), or an OpenAI-named state dict (the folder's one safetensors
/// file holding CLIP weights, or the given file; bpe_simple_vocab_16e6.txt.gz; the architecture from the
/// constructor arguments in config.json or the file's metadata, else inferred from the shapes).
/// Every failure is a <see cref="ModelLoadException"/> naming the path.
/// </summary>
public static class ModelFolder
{
    public const string ConfigFileName = "config.json";
    public const string HfWeightsFileName = "model.safetensors";
    public const string HfTorchWeightsFileName = "pytorch_model.bin";

    private static readonly string[] TorchExtensions = [".pt", ".pth", ".bin", ".ckpt"];

    // open_clip checkpoints saved from DistributedDataParallel prefix every name with this.
    private const string WrapperPrefix = "module.";

    /// <param name="path">A model folder, or one weights file (its folder supplies config and tokenizer).</param>
    /// <param name="vocabOverride">The tokenizer to use instead of the model's: a bpe_simple_vocab_16e6.txt.gz, or a folder holding it or vocab.json + merges.txt.</param>
    public static ClipCheckpoint Load(string path, string? vocabOverride = null) => Load(path, vocabOverride, deferWeights: false);

    /// <summary>
    /// As <see cref="Load(string, string?)"/>; with <paramref name="deferWeights"/> an OpenAI-named checkpoint's
    /// tensors are not read yet: <see cref="ClipModel.FromStateDict"/> reads them from the file straight into the
    /// model's parameters. For a caller that builds the model at once, while the file is unchanged.
    /// </summary>
    internal static ClipCheckpoint Load(string path, string? vocabOverride, bool deferWeights, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return LoadCore(path, vocabOverride, deferWeights, cancellation);
        }
        catch (CheckpointFormatException e)
        {
            throw new ModelLoadException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Strips the <c>module.</c> prefix a data-parallel wrapper adds to every name.</summary>
    public static string StripWrapperPrefix(string name)
        => name.StartsWith(WrapperPrefix, StringComparison.Ordinal) ? name[WrapperPrefix.Length..] : name;

    private static ClipCheckpoint LoadCore(string path, string? vocabOverride, bool deferWeights, CancellationToken cancellation)
    {
        string full = System.IO.Path.GetFullPath(path);
        string folder;
        string weightsPath;
        string? hfConfig;
        if (File.Exists(full))
        {
            if (!full.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && !IsTorchFile(full))
            {
                throw new ModelLoadException($"{path}: a weights file must be .safetensors or a PyTorch checkpoint ({string.Join(", ", TorchExtensions)}).");
            }

            weightsPath = full;
            folder = System.IO.Path.GetDirectoryName(full)!;
            hfConfig = FindHfConfig(folder);
        }
        else if (Directory.Exists(full))
        {
            folder = full;
            hfConfig = FindHfConfig(folder);
            weightsPath = hfConfig is not null ? HfWeights(folder) : SingleCandidate(folder);
        }
        else
        {
            throw new ModelLoadException($"{path}: no such file or folder.");
        }

        using IWeightSource file = OpenWeights(weightsPath);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string stored in file.Names)
        {
            if (!names.TryAdd(StripWrapperPrefix(stored), stored))
            {
                throw new ModelLoadException(
                    $"{weightsPath}: '{stored}' and '{names[StripWrapperPrefix(stored)]}' are the same tensor once the '{WrapperPrefix}' prefix is removed.");
            }
        }

        ModelLayout layout;
        ClipConfig config;
        IReadOnlyDictionary<string, Tensor> loaded;
        var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var stateShapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var dtypes = new Dictionary<string, SafeTensorsDType>(StringComparer.Ordinal);
        if (HfNameMap.LooksLikeHf(names.Keys))
        {
            layout = ModelLayout.Hf;
            if (hfConfig is null)
            {
                throw new ModelLoadException(
                    $"{weightsPath}: Hugging Face tensor names, but {System.IO.Path.Combine(folder, ConfigFileName)} with model_type 'clip' is missing; the head counts cannot be inferred without it.");
            }

            config = HfClipConfig.ParseFile(hfConfig);
            var hf = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, stored) in names)
            {
                HfTensorTarget? target = Wrap(weightsPath, () => HfNameMap.ToOpenAi(name));
                if (target is null)
                {
                    continue;
                }

                hf.Add(name, file.ReadTensor(stored));
                dtypes.TryAdd(target.OpenAiName, file.DType(stored));
            }

            foreach (var (name, tensor) in Wrap(weightsPath, () => HfNameMap.HfToOpenAi(hf)))
            {
                stateDict.Add(name, tensor);
                stateShapes.Add(name, tensor.Shape.ToArray());
            }

            loaded = stateDict;
        }
        else
        {
            layout = ModelLayout.OpenAi;

            // An int8 weight's scales travel as a second tensor; they are part of the weight, not of the state dict.
            var allStored = new HashSet<string>(names.Values, StringComparer.Ordinal);
            var scaleTensors = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, stored) in names)
            {
                if (file.DType(stored) == SafeTensorsDType.I8 && !ClipStateDictLayout.IsDroppedBuffer(name))
                {
                    QuantizedWeights.CheckScaleHeader(file, name, stored, allStored);
                    QuantizedWeights.ReadScales(file, stored);
                    scaleTensors.Add(QuantizedWeights.ScaleName(stored));
                }
            }

            var shapes = names.Where(kv => !scaleTensors.Contains(kv.Value))
                .ToDictionary(kv => kv.Key, kv => file.Shape(kv.Value), StringComparer.Ordinal);
            config = hfConfig is not null
                ? HfClipConfig.ParseFile(hfConfig)
                : ClipArchitecture.Infer(shapes, Hints(file, folder), weightsPath);
            var storedNames = new Dictionary<string, string>(StringComparer.Ordinal);


            foreach (var (name, stored) in names)
            {
                if ((ClipStateDictLayout.IsDroppedBuffer(name) && !file.DType(stored).IsFloatingPoint()) || scaleTensors.Contains(stored))
                {
                    continue;
                }

                storedNames.Add(name, stored);
                stateShapes.Add(name, shapes[name]);
                dtypes.Add(name, file.DType(stored));
                if (!deferWeights)
                {
                    cancellation.ThrowIfCancellationRequested();
                    stateDict.Add(name, ReadFloat32(file, name, stored));
                }
            }

            loaded = deferWeights ? new DeferredStateDict(weightsPath, () => OpenWeights(weightsPath), storedNames, stateShapes, dtypes) { Cancellation = cancellation } : stateDict;
        }

        ClipStateDictLayout.Validate(config, stateShapes, weightsPath);
        TokenizerFiles tokenizer = TokenizerLocator.Resolve(folder, vocabOverride, layout);
        string preprocessorPath = System.IO.Path.Combine(folder, HfPreprocessorConfig.FileName);
        PreprocessSettings preprocess = File.Exists(preprocessorPath)
            ? HfPreprocessorConfig.ParseFile(preprocessorPath, config.ImageResolution)
            : PreprocessSettings.ForResolution(config.ImageResolution);
        return new ClipCheckpoint(full, layout, weightsPath, config, loaded, dtypes, tokenizer, preprocess) { SourceFormat = file.Format };
    }

    /// <summary>A tensor as float32: floating-point types convert, int8 weights are dequantised with their scales.</summary>
    internal static Tensor ReadFloat32(IWeightSource file, string name, string stored)
    {
        if (file.DType(stored) != SafeTensorsDType.I8)
        {
            return file.ReadTensor(stored);
        }

        int[] shape = file.Shape(stored);
        var data = new float[Tensor.ElementCount(shape)];
        QuantizedWeights.ReadDequantized(file, name, stored, data);
        return new Tensor(data, shape);
    }

    /// <summary>config.json when it is a Hugging Face config (it has a model_type), else null.</summary>
    private static string? FindHfConfig(string folder)
    {
        string path = System.IO.Path.Combine(folder, ConfigFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using JsonDocument doc = JsonConfig.Parse(File.ReadAllText(path), path);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out _) ? path : null;
    }

    private static string HfWeights(string folder)
    {
        string weights = System.IO.Path.Combine(folder, HfWeightsFileName);
        string bin = System.IO.Path.Combine(folder, HfTorchWeightsFileName);
        return File.Exists(weights) ? weights
            : File.Exists(bin) ? bin
            : throw new ModelLoadException(
                $"{folder}: a Hugging Face model folder (config.json has a model_type) without {HfWeightsFileName} or {HfTorchWeightsFileName}.");
    }

    /// <summary>The folder's one safetensors file that holds CLIP weights; data files next to it (inputs, outputs) are skipped.</summary>
    private static string SingleCandidate(string folder)
    {
        // safetensors first: a folder holding both keeps the .pt only as the original.
        string[] all = Directory.GetFiles(folder, "*.safetensors").Order(StringComparer.Ordinal).ToArray();
        var candidates = all.Where(LooksLikeClipWeights).ToArray();
        if (candidates.Length == 0)
        {
            string[] torch = Directory.GetFiles(folder).Where(IsTorchFile).Order(StringComparer.Ordinal).ToArray();
            all = [.. all, .. torch];
            candidates = torch.Where(LooksLikeClipWeights).ToArray();
        }

        if (all.Length == 0)
        {
            throw new ModelLoadException($"{folder}: no weights: the folder has no *.safetensors or PyTorch checkpoint file (and no Hugging Face config.json).");
        }

        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new ModelLoadException(
                $"{folder}: no weights: none of {string.Join(", ", all.Select(System.IO.Path.GetFileName))} holds CLIP tensors (token_embedding.weight)."),
            _ => throw new ModelLoadException(
                $"{folder}: several candidate weight files ({string.Join(", ", candidates.Select(System.IO.Path.GetFileName))}); pass the one to load."),
        };
    }

    private static bool LooksLikeClipWeights(string path)
    {
        using IWeightSource f = OpenWeights(path);
        return f.Names.Select(StripWrapperPrefix).Any(n => n is "token_embedding.weight" or "text_model.embeddings.token_embedding.weight");
    }

    /// <summary>Constructor arguments from the file's metadata, overridden by a config.json's constructor_args.</summary>
    private static Dictionary<string, string> Hints(IWeightSource file, string folder)
    {
        var hints = new Dictionary<string, string>(file.Metadata, StringComparer.Ordinal);
        string configPath = System.IO.Path.Combine(folder, ConfigFileName);
        if (File.Exists(configPath))
        {
            foreach (var (key, value) in ClipArchitecture.HintsFromConfigJson(File.ReadAllText(configPath), configPath))
            {
                hints[key] = value;
            }
        }

        return hints;
    }

    private static bool IsTorchFile(string path)
        => TorchExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static IWeightSource OpenWeights(string path)
        => IsTorchFile(path) ? new TorchWeightSource(TorchCheckpoint.Open(path)) : new SafeTensorsWeightSource(SafeTensorsFile.Open(path));

    private static T Wrap<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (CheckpointFormatException e)
        {
            throw new ModelLoadException($"{path}: {e.Message}", e);
        }
    }
}
