using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClipSharp.Distributed;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Training;

namespace ClipSharp.Bench;

/// <summary>
/// One rank of the <c>scale</c> benchmark (or the one process): trains <see cref="TrainBenchmark"/>'s model on its
/// shard of the same global batch, then embeds its share of a set of images and gathers every share to every rank, and
/// rank 0 prints one JSON line: median step and embedding times, and what the collectives took (measured by a
/// <see cref="MeteredCommunicator"/>, the meter <c>clip train</c> logs from).
/// <c>scale-worker --threads T --batch B --steps S --warmup W --images M --image-batch K</c>.
/// </summary>
internal static class ScaleWorker
{
    public static int Run(string[] args)
    {
        int threads = Option(args, "--threads", 1);
        int batch = Option(args, "--batch", 64);
        int steps = Option(args, "--steps", 7);
        int warmup = Option(args, "--warmup", 2);
        int images = Option(args, "--images", 256);
        int imageBatch = Option(args, "--image-batch", 32);
        Parallelism.MaxThreads = threads;
        using MeteredCommunicator communicator = MeteredCommunicator.Create(Communicators.FromEnvironment());
        return RankGuard.Run(communicator, Console.Error, () =>
        {
            (double[] step, double[] stepComm, long stepBytes) = Train(communicator, batch, steps, warmup);
            (double[] embed, double[] embedComm) = Embed(communicator, images, imageBatch, steps, warmup);
            if (communicator.Rank == 0)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["ranks"] = communicator.Size,
                    ["threads"] = threads,
                    ["batch"] = batch,
                    ["step_s"] = Median(step),
                    ["step_comm_s"] = Median(stepComm),
                    ["step_comm_mean_s"] = stepComm.Average(),
                    ["step_mean_s"] = step.Average(),
                    ["step_bytes"] = stepBytes,
                    ["images"] = images,
                    ["embed_s"] = Median(embed),
                    ["embed_comm_s"] = Median(embedComm),
                }));
            }

            return 0;
        });
    }

    // Every rank builds the same model from the same seed and cuts its rows out of the same global batch, as the
    // data loader's shard does.
    private static (double[] Seconds, double[] Communication, long Bytes) Train(MeteredCommunicator communicator, int batch, int steps, int warmup)
    {
        ClipConfig config = TrainBenchmark.Config;
        ClipModel model = ClipModel.Create(config, seed: 0);
        var trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions { Schedule = new ConstantSchedule(5e-4) }, communicator);
        var (images, tokens) = SyntheticBatch.Create(config, batch);
        BatchShard shard = BatchShard.Of(communicator);
        int start = shard.Start(batch), rows = shard.Count(batch), ctx = config.ContextLength;
        Tensor localImages = images.Slice(start, rows);
        int[] localTokens = tokens[(start * ctx)..((start + rows) * ctx)];

        // A fixed number of warm-up steps on every rank (not a time), since the steps are collective.
        for (int i = 0; i < warmup; i++)
        {
            trainer.Step(localImages, localTokens);
        }

        var seconds = new double[steps];
        var communication = new double[steps];
        long bytes = 0;
        for (int i = 0; i < steps; i++)
        {
            CommunicationTotals before = communicator.Totals;
            long begin = Stopwatch.GetTimestamp();
            trainer.Step(localImages, localTokens);
            seconds[i] = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            CommunicationTotals used = communicator.Totals - before;
            communication[i] = used.Seconds;
            bytes = used.Bytes;
        }

        return (seconds, communication, bytes);
    }

    // The image tower on decoded images (decoding and resizing excluded: they split over the ranks as the files do),
    // this rank's share, then the embeddings gathered to every rank as `clip embed` gathers them for one output file.
    private static (double[] Seconds, double[] Communication) Embed(MeteredCommunicator communicator, int count, int imageBatch, int reps, int warmup)
    {
        ClipConfig config = TrainBenchmark.Config;
        ClipModel model = ClipModel.Create(config, seed: 0);
        var (images, _) = SyntheticBatch.Create(config, count, seed: 1);
        BatchShard shard = BatchShard.Of(communicator);
        int start = shard.Start(count), rows = shard.Count(count), e = config.EmbedDim;
        var counts = new int[communicator.Size];
        for (int r = 0; r < counts.Length; r++)
        {
            counts[r] = new BatchShard(r, communicator.Size).Count(count) * e;
        }

        var local = new float[rows * e];
        var gathered = new float[count * e];
        var seconds = new double[reps];
        var communication = new double[reps];
        for (int i = -warmup; i < reps; i++)
        {
            communicator.Barrier();
            long begin = Stopwatch.GetTimestamp();
            for (int at = 0; at < rows; at += imageBatch)
            {
                int n = Math.Min(imageBatch, rows - at);
                model.Visual.Forward(images.Slice(start + at, n), local.AsSpan(at * e, n * e));
            }

            CommunicationTotals before = communicator.Totals;
            communicator.AllGather(local, gathered, counts);
            if (i >= 0)
            {
                seconds[i] = Stopwatch.GetElapsedTime(begin).TotalSeconds;
                communication[i] = (communicator.Totals - before).Seconds;
            }
        }

        return (seconds, communication);
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i < 0 ? fallback
            : i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new ArgumentException($"scale-worker: {name} needs a positive integer.");
    }
}
