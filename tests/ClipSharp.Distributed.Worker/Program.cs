using ClipSharp.Checkpoints;
using ClipSharp.Distributed;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Training;

// One rank of the data-parallel exactness tests: trains a model folder on a fixed global batch for some steps,
// taking this rank's shard of it, and writes the losses, the final parameters and the AdamW moments it holds.
// Usage: worker MODEL_DIR INPUTS.safetensors STEPS CHUNK|none OUT_DIR [FAIL_RANK throw|kill] [--zero1]
Parallelism.MaxThreads = 1;
ICommunicator communicator;
try
{
    communicator = Communicators.FromEnvironment();
}
catch (MpiLibraryNotFoundException e)
{
    Console.Error.WriteLine("clip: " + e.Message);
    return 2;
}

using (communicator)
{
    return RankGuard.Run(communicator, Console.Error, () => Train(communicator, args));
}

static int Train(ICommunicator communicator, string[] args)
{
    string modelDir = args[0];
    int steps = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
    int? chunk = args[3] == "none" ? null : int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
    string outDir = args[4];
    bool zero1 = args[5..].Contains("--zero1");
    string[] fail = [.. args[5..].Where(a => !a.StartsWith("--", StringComparison.Ordinal))];
    int failRank = fail.Length > 0 ? int.Parse(fail[0], System.Globalization.CultureInfo.InvariantCulture) : -1;
    string failMode = fail.Length > 1 ? fail[1] : "throw";

    ClipCheckpoint checkpoint = ModelFolder.Load(modelDir);
    ClipModel model = ClipModel.FromStateDict(checkpoint.Config, checkpoint.StateDict);
    Tensor images;
    int[] texts;
    using (SafeTensorsFile inputs = SafeTensorsFile.Open(args[1]))
    {
        images = inputs.ReadTensor("images");
        texts = inputs.ReadInt32("texts");
    }

    int batch = images.Dim(0);
    int context = model.Config.ContextLength;
    var shard = BatchShard.Of(communicator);
    int start = shard.Start(batch);
    int count = shard.Count(batch);
    Tensor local = images.Slice(start, count);
    int[] localTexts = texts.AsSpan(start * context, count * context).ToArray();

    var trainer = new ContrastiveTrainer(model, new ContrastiveTrainerOptions { ChunkSize = chunk, ShardOptimizer = zero1 }, communicator);
    var losses = new float[steps];
    for (int s = 0; s < steps; s++)
    {
        if (communicator.Rank == failRank && s == 1)
        {
            if (failMode == "kill")
            {
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }

            throw new InvalidDataException("a planted failure in this rank's data");
        }

        losses[s] = trainer.Step(local, localTexts).Loss;
    }

    Directory.CreateDirectory(outDir);
    new SafeTensorsWriter()
        .Add("losses", losses, [steps])
        .Add("parameters", model.Parameters.Data, [model.Parameters.Data.Length])
        .Add("exp_avg", trainer.Optimizer.ExpAvg, [trainer.Optimizer.ExpAvg.Length])
        .AddMetadata("moments_start", trainer.Optimizer.ShardStart.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Save(Path.Combine(outDir, $"rank{communicator.Rank}.safetensors"));
    return 0;
}
