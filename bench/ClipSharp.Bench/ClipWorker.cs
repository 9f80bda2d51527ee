using System.Diagnostics;
using System.Text.Json;
using ClipSharp.Checkpoints;
using ClipSharp.Tensors;

namespace ClipSharp.Bench;

/// <summary>
/// One runtime (ours or ONNX Runtime) measured in a process of its own, so that load time and peak RSS are its
/// alone: `clip-worker ours|ort run|rss --artifacts DIR --threads N --reps R [--cpu-clock] [--rows a,b] [--dtype f16|int8]`.
/// Prints JSON result lines. With --dtype, ours loads the model converted to that precision (converted once and
/// kept in the artifacts folder) and reports as ours-f16 / ours-int8.
/// </summary>
internal static class ClipWorker
{
    public static int Run(string[] args)
    {
        string runtime = args[0];
        string mode = args[1];
        string folder = Option(args, "--artifacts");
        int threads = int.Parse(Option(args, "--threads"), System.Globalization.CultureInfo.InvariantCulture);
        int reps = int.Parse(Option(args, "--reps"), System.Globalization.CultureInfo.InvariantCulture);
        bool cpuClock = Array.IndexOf(args, "--cpu-clock") >= 0;
        // Two seconds of warm-up per figure, the same for every runtime timed here: long enough for the JIT's tiering
        // of every kernel (some run only a dozen times per call) to settle, so figures are steady-state ones.
        double Median(Action action, int count) => Timing.MedianSeconds(action, count, cpuClock, threads, warmupSeconds: 2.0);
        int only = Array.IndexOf(args, "--rows");
        string[]? rows = only >= 0 && only + 1 < args.Length ? args[only + 1].Split(',') : null;
        bool Wants(string row) => rows is null || rows.Contains(row);
        ClipArtifacts files = ClipArtifacts.At(folder);
        Parallelism.MaxThreads = threads;
        int dtypeAt = Array.IndexOf(args, "--dtype");
        string dtype = dtypeAt >= 0 && dtypeAt + 1 < args.Length ? args[dtypeAt + 1] : "f32";
        string weights = files.Weights;
        if (runtime == "ours" && dtype != "f32")
        {
            files.EnsureConverted(dtype);
            weights = files.Converted(dtype);
            runtime = $"ours-{dtype}";
        }

        float[] pixels;
        int[] tokens77;
        int[] captions;
        using (SafeTensorsFile inputs = SafeTensorsFile.Open(files.Inputs))
        {
            pixels = inputs.ReadTensor("pixels").ToArray();
            tokens77 = inputs.ReadInt32("tokens77");
            captions = inputs.ReadInt32("captions");
        }

        int plane = 3 * 224 * 224;
        int captionCount = captions.Length / ClipArtifacts.Context;
        var load = Stopwatch.StartNew();
        IClipRuntime model = runtime switch
        {
            "ours" or "ours-f16" or "ours-int8" => new OursRuntime(Clip.Load(weights, ClipArtifacts.TinyVocab)),
            "ort" => new OrtRuntime(new OrtClip(files.ImageOnnx, files.TextOnnx, threads)),
            _ => throw new ArgumentException($"unknown runtime '{runtime}' (ours, ort)."),
        };
        Emit(runtime, "load", load.Elapsed.TotalSeconds, "s");
        if (model is OursRuntime)
        {
            string file = runtime == "ours" ? files.Weights : files.ConvertedWeights(dtype);
            Emit(runtime, "weights_mib", new FileInfo(file).Length / (1024.0 * 1024.0), "MiB");
        }

        if (mode == "rss")
        {
            for (int i = 0; i < 2; i++)
            {
                model.EncodeImage(pixels, ClipArtifacts.ImageBatch);
            }

            Emit(runtime, "rss_image_b32", PeakRss.MiB(), "MiB");
            return 0;
        }

        int e = model.EncodeImage(pixels.AsSpan(0, 2 * plane).ToArray(), 2).Length / 2;
        new SafeTensorsWriter()
            .Add("image", model.EncodeImage(pixels.AsSpan(0, 2 * plane).ToArray(), 2), [2, e])
            .Add("text77", model.EncodeText(tokens77.AsSpan(0, 4 * ClipArtifacts.Context).ToArray(), 4), [4, e])
            .Add("captions", model.EncodeCaptions(captions.AsSpan(0, 8 * ClipArtifacts.Context).ToArray(), 8), [8, e])
            .Save(files.Outputs(runtime), overwrite: true);

        float[] one = pixels.AsSpan(0, plane).ToArray();
        if (Wants("image_b1"))
        {
            Emit(runtime, "image_b1", 1 / Median(() => model.EncodeImage(one, 1), reps), "items/s");
        }

        if (Wants("image_b32"))
        {
            Emit(runtime, "image_b32", 32 / Median(() => model.EncodeImage(pixels, 32), reps), "items/s");
        }

        if (Wants("text_b32_77"))
        {
            Emit(runtime, "text_b32_77", 32 / Median(() => model.EncodeText(tokens77, 32), reps), "items/s");
        }

        int captionReps = Math.Max(1, reps / 2);
        if (Wants("text_captions_77"))
        {
            Emit(runtime, "text_captions_77", captionCount / Median(() => Fixed77(model, captions, captionCount), captionReps), "items/s");
        }

        if (model is OursRuntime && Wants("text_captions"))
        {
            Emit(runtime, "text_captions", captionCount / Median(() => model.EncodeCaptions(captions, captionCount), captionReps), "items/s");
        }

        Emit(runtime, "cpu_seconds", CpuClock.Seconds(), "s");
        return 0;
    }

    // The caption mix the way a runtime without length awareness runs it: batches of 32 at the full context.
    private static void Fixed77(IClipRuntime model, int[] captions, int count)
    {
        int ctx = ClipArtifacts.Context;
        for (int start = 0; start < count; start += 32)
        {
            int n = Math.Min(32, count - start);
            model.EncodeText(captions.AsSpan(start * ctx, n * ctx).ToArray(), n);
        }
    }

    public static void Emit(string runtime, string row, double value, string unit)
        => Console.WriteLine(JsonSerializer.Serialize(new ResultLine(runtime, row, value, unit)));

    private static string Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"clip-worker needs {name}.");
    }

    private interface IClipRuntime
    {
        float[] EncodeImage(float[] pixels, int batch);

        float[] EncodeText(int[] tokens, int batch);

        // What the runtime does with a mix of lengths: ours sorts and trims, a peer runs them as given.
        float[] EncodeCaptions(int[] tokens, int batch);
    }

    private sealed class OursRuntime(Clip clip) : IClipRuntime
    {
        public float[] EncodeImage(float[] pixels, int batch)
            => clip.Model.EncodeImage(new Tensor(pixels, batch, 3, 224, 224)).ToArray();

        public float[] EncodeText(int[] tokens, int batch) => clip.Model.EncodeText(tokens, batch).ToArray();

        public float[] EncodeCaptions(int[] tokens, int batch) => clip.EncodeTokens(tokens, batch, normalize: false).ToArray();
    }

    private sealed class OrtRuntime(OrtClip ort) : IClipRuntime
    {
        public float[] EncodeImage(float[] pixels, int batch) => ort.EncodeImage(pixels, batch);

        public float[] EncodeText(int[] tokens, int batch) => ort.EncodeText(Array.ConvertAll(tokens, t => (long)t), batch);

        public float[] EncodeCaptions(int[] tokens, int batch) => EncodeText(tokens, batch);
    }
}

/// <summary>One measured figure, as a worker prints it (one JSON object a line).</summary>
internal sealed record ResultLine(string Runtime, string Row, double Value, string Unit);
