using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Data;
using ClipSharp.IO;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Training;

/// <summary>
/// A training checkpoint: a folder that is a complete OpenAI-layout model folder (<c>weights.safetensors</c> with the
/// architecture as metadata, the tokenizer file, the preprocessing when not the default), so <c>clip embed</c> and
/// <c>clip classify</c> load it as it is, plus the AdamW moments (<c>optimizer.safetensors</c>) and the step, data
/// position and seed (<c>trainer_state.json</c>). It is built in a hidden folder and renamed into place, so a run
/// killed at any moment leaves either the complete checkpoint or none.
/// </summary>
public static class RunCheckpoint
{
    public const string WeightsFileName = "weights.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "trainer_state.json";
    public const string Prefix = "step-";

    /// <summary>The folder name of the checkpoint at <paramref name="step"/>: step-000123.</summary>
    public static string FolderName(long step) => $"{Prefix}{step:D6}";

    /// <summary>Writes the checkpoint into <paramref name="parent"/> and returns its folder.</summary>
    public static string Write(
        string parent, ClipModel model, AdamW optimizer, RunCheckpointState state, TokenizerFiles tokenizer, PreprocessSettings preprocess)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.IsSharded)
        {
            throw new ArgumentException(
                $"the optimizer holds the moments of {optimizer.ShardLength} of the {optimizer.Layout.Count} parameters; a checkpoint needs them whole (gather them first).",
                nameof(optimizer));
        }

        return Write(parent, model, (name, stream) => stream!.Write(MemoryMarshal.AsBytes((name == "exp_avg" ? optimizer.ExpAvg : optimizer.ExpAvgSq).AsSpan())), state, tokenizer, preprocess);
    }

    /// <summary>
    /// Writes the checkpoint and returns its folder; <paramref name="writeMoment"/> writes the whole AdamW moment it is
    /// named (exp_avg, then exp_avg_sq: one little-endian float per parameter, layout order) to the stream it is given,
    /// so a sharded optimizer's slices can be gathered while they are written.
    /// </summary>
    public static string Write(
        string parent, ClipModel model, Action<string, Stream?> writeMoment, RunCheckpointState state, TokenizerFiles tokenizer, PreprocessSettings preprocess)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(writeMoment);
        ArgumentNullException.ThrowIfNull(state);
        int count = checked((int)model.Parameters.Layout.Count);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(preprocess);
        Directory.CreateDirectory(parent);
        string target = Path.Combine(parent, FolderName(state.Step));
        string temp = Path.Combine(parent, $".{FolderName(state.Step)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            WriteWeights(Path.Combine(temp, WeightsFileName), model);
            CopyTokenizer(tokenizer, temp);
            if (!preprocess.Equals(PreprocessSettings.ForResolution(model.Config.ImageResolution)))
            {
                HfPreprocessorConfig.WriteFile(Path.Combine(temp, HfPreprocessorConfig.FileName), preprocess);
            }

            new SafeTensorsWriter()
                .AddMetadata("step", state.Step.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .AddStreamed("exp_avg", count, stream => writeMoment("exp_avg", stream))
                .AddStreamed("exp_avg_sq", count, stream => writeMoment("exp_avg_sq", stream))
                .Save(Path.Combine(temp, OptimizerFileName));
            AtomicFile.Write(Path.Combine(temp, StateFileName), stream => WriteState(stream, state));
            if (Directory.Exists(target))
            {
                // A resumed run that redoes a step replaces what an earlier, interrupted attempt left.
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(temp, target);
            return target;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>The complete checkpoints under <paramref name="parent"/>, oldest first.</summary>
    public static IReadOnlyList<string> List(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return [];
        }

        return [.. Directory.GetDirectories(parent, Prefix + "*")
            .Where(d => File.Exists(Path.Combine(d, StateFileName)))
            .Order(StringComparer.Ordinal)];
    }

    public static RunCheckpointState ReadState(string folder)
    {
        string path = Path.Combine(folder, StateFileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{folder}: not a training checkpoint (no {StateFileName}).");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            return new RunCheckpointState(
                root.GetProperty("step").GetInt64(),
                new DataPosition(root.GetProperty("data_epoch").GetInt32(), root.GetProperty("data_batch").GetInt32()),
                root.GetProperty("data_seed").GetInt64(),
                root.GetProperty("loss").GetSingle(),
                root.GetProperty("samples_seen").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: unreadable training state: {e.Message}", e);
        }
    }

    /// <summary>
    /// Puts the checkpoint's AdamW moments and step count into <paramref name="optimizer"/>: all of them, or a sharded
    /// optimizer's slice of them (a checkpoint holds them whole, whatever wrote it).
    /// </summary>
    public static void RestoreOptimizer(string folder, AdamW optimizer, long step)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        string path = Path.Combine(folder, OptimizerFileName);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Restore(file, "exp_avg", optimizer, optimizer.ExpAvg, path);
        Restore(file, "exp_avg_sq", optimizer, optimizer.ExpAvgSq, path);
        optimizer.StepCount = step;
    }

    private static void Restore(SafeTensorsFile file, string name, AdamW optimizer, float[] destination, string path)
    {
        if (!file.Contains(name))
        {
            throw new InvalidDataException($"{path}: no '{name}' tensor.");
        }

        // Mapped, so a rank holding a slice copies that slice and never the whole buffer.
        Tensor t = file.MapTensor(name);
        if (t.Length != optimizer.Layout.Count)
        {
            throw new InvalidDataException(
                $"{path}: '{name}' holds {t.Length} values but the model has {optimizer.Layout.Count} parameters; the checkpoint is of another architecture.");
        }

        t.Span.Slice(optimizer.ShardStart, destination.Length).CopyTo(destination);
    }

    private static void WriteWeights(string path, ClipModel model)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (key, value) in ClipArchitecture.ToHints(model.Config))
        {
            writer.AddMetadata(key, value);
        }

        writer.AddMetadata("format", "pt");
        foreach (var (name, tensor) in model.StateDict())
        {
            writer.Add(name, tensor);
        }

        writer.Save(path);
    }

    // The model folder must carry its own tokenizer; a plain-text merges file is stored gzip-compressed under the
    // OpenAI name, which the loader recognises.
    private static void CopyTokenizer(TokenizerFiles tokenizer, string folder)
    {
        if (tokenizer.Kind == TokenizerFileKind.HfVocabMerges)
        {
            File.Copy(tokenizer.VocabJsonPath!, Path.Combine(folder, TokenizerFiles.VocabJsonFileName));
            File.Copy(tokenizer.MergesPath!, Path.Combine(folder, TokenizerFiles.MergesFileName));
            return;
        }

        byte[] bytes = File.ReadAllBytes(tokenizer.BpeGzPath!);
        string target = Path.Combine(folder, TokenizerFiles.OpenAiBpeFileName);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            File.WriteAllBytes(target, bytes);
            return;
        }

        using var output = File.Create(target);
        using var gzip = new GZipStream(output, CompressionLevel.SmallestSize);
        gzip.Write(bytes);
    }

    private static void WriteState(Stream stream, RunCheckpointState state)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("step", state.Step);
        json.WriteNumber("data_epoch", state.Position.Epoch);
        json.WriteNumber("data_batch", state.Position.Batch);
        json.WriteNumber("data_seed", state.DataSeed);
        json.WriteNumber("loss", state.Loss);
        json.WriteNumber("samples_seen", state.SamplesSeen);
        json.WriteEndObject();
    }
}
