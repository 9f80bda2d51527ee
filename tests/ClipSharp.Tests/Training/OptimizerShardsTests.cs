using System.Runtime.InteropServices;
using ClipSharp.Distributed;
using ClipSharp.Layers;
using ClipSharp.Tests.Distributed;
using ClipSharp.Training;

namespace ClipSharp.Tests.Training;

/// <summary>
/// ZeRO-1's pieces against naive oracles: a sharded AdamW step is the whole step bit for bit; the reduce-scatter,
/// all-gather, norm and streamed moment gather of <see cref="OptimizerShards"/> over in-process ranks (across bucket
/// boundaries) give what the sums and copies of the ranks' buffers give.
/// </summary>
public sealed class OptimizerShardsTests
{
    // Larger than one bucket of 2²⁰ floats, so pieces of a rank's slice travel in two buckets.
    private const int Rows = 1100;
    private const int Columns = 1000;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ShardedAdamWStepsAreTheWholeStepBitForBit(int ranks)
    {
        ParameterLayout layout = Layout();
        int count = (int)layout.Count;
        float[] start = Random(count, 1);
        float[][] gradients = [Random(count, 2), Random(count, 3)];

        var whole = new AdamW(layout);
        float[] expected = (float[])start.Clone();
        foreach (float[] g in gradients)
        {
            whole.Step(expected, g, 1e-3);
        }

        float[] actual = (float[])start.Clone();
        var expAvg = new List<float>();
        for (int r = 0; r < ranks; r++)
        {
            var shard = new AdamW(layout, shard: new BatchShard(r, ranks));
            Assert.Equal((new BatchShard(r, ranks).Start(count), new BatchShard(r, ranks).Count(count)), (shard.ShardStart, shard.ExpAvg.Length));
            float[] mine = (float[])start.Clone();
            foreach (float[] g in gradients)
            {
                shard.Step(mine, g, 1e-3);
            }

            // Only its own slice moved; it is the whole optimizer's slice.
            mine.AsSpan(shard.ShardStart, shard.ShardLength).CopyTo(actual.AsSpan(shard.ShardStart));
            Assert.Equal(start.AsSpan(0, shard.ShardStart).ToArray(), mine.AsSpan(0, shard.ShardStart).ToArray());
            expAvg.AddRange(shard.ExpAvg);
        }

        Assert.Equal(expected, actual);
        Assert.Equal(whole.ExpAvg, expAvg);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void CollectivesOverSlicesMatchTheSumsAndCopiesOfTheRanksBuffers(int ranks)
    {
        int count = (int)Layout().Count;
        float[][] local = [.. Enumerable.Range(0, ranks).Select(r => Random(count, 10 + r))];
        var sum = new float[count];
        foreach (float[] l in local)
        {
            for (int i = 0; i < count; i++)
            {
                sum[i] += l[i];
            }
        }

        double norm = Math.Sqrt(sum.Sum(v => (double)v * v));
        var results = ThreadGroup.Run(ranks, c =>
        {
            var shards = new OptimizerShards(c, count);
            float[] gradients = (float[])local[c.Rank].Clone();
            shards.ReduceScatter(gradients);
            double globalNorm = shards.GlobalNorm(gradients);
            float[] reduced = gradients.AsSpan(shards.Start, shards.Length).ToArray();

            // Each rank writes its slice of a buffer (its rank everywhere else) and the all-gather fills in the rest.
            var parameters = new float[count];
            Array.Fill(parameters, c.Rank + 1);
            for (int i = shards.Start; i < shards.Start + shards.Length; i++)
            {
                parameters[i] = i;
            }

            shards.AllGather(parameters);
            // The slices of a moment, streamed to rank 0 bucket by bucket: the whole buffer there, nothing elsewhere.
            using var stream = c.Rank == 0 ? new MemoryStream() : null;
            shards.GatherTo(reduced, stream);
            float[]? moments = stream is null ? null : MemoryMarshal.Cast<byte, float>(stream.ToArray()).ToArray();
            return (shards.Start, Reduced: reduced, GlobalNorm: globalNorm, Parameters: parameters, Moments: moments);
        });

        for (int r = 0; r < ranks; r++)
        {
            var shard = new BatchShard(r, ranks);
            Assert.Equal(shard.Start(count), results[r].Start);
            Assert.Equal(sum.AsSpan(shard.Start(count), shard.Count(count)).ToArray(), results[r].Reduced);
            Assert.Equal(norm, results[r].GlobalNorm, 1e-9 * norm);
            Assert.Equal(Enumerable.Range(0, count).Select(i => (float)i), results[r].Parameters);
            Assert.Equal(r == 0, results[r].Moments is not null);
        }

        Assert.Equal(sum, results[0].Moments);
    }

    // A weight that decays and a bias that does not, so a slice boundary falls inside a parameter of either group.
    private static ParameterLayout Layout()
    {
        var layout = new ParameterLayout();
        layout.Add("visual.proj", [Rows, Columns]);
        layout.Add("visual.ln_post.bias", [777]);
        return layout;
    }

    private static float[] Random(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];
    }
}
