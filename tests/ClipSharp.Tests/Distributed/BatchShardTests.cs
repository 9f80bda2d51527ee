using ClipSharp.Distributed;

namespace ClipSharp.Tests.Distributed;

public sealed class BatchShardTests
{
    [Theory]
    [InlineData(16, 1)]
    [InlineData(16, 3)]
    [InlineData(7, 4)]
    [InlineData(2, 2)]
    public void ShardsAreDisjointContiguousAndCoverTheBatchInOrder(int batch, int size)
    {
        int next = 0;
        for (int r = 0; r < size; r++)
        {
            var shard = new BatchShard(r, size);
            Assert.Equal(next, shard.Start(batch));
            Assert.InRange(shard.Count(batch), batch / size, (batch / size) + 1);
            next += shard.Count(batch);
        }

        Assert.Equal(batch, next);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 5)]
    [InlineData(10, 1)]
    [InlineData(10, 3)]
    [InlineData(101, 8)]
    public void SharesOfAListAreDeterministicDisjointAndCoverItInOrder(int items, int size)
    {
        string[] list = [.. Enumerable.Range(0, items).Select(i => $"file-{i}")];
        var union = new List<string>();
        for (int r = 0; r < size; r++)
        {
            var shard = new BatchShard(r, size);
            IReadOnlyList<string> share = shard.Take(list);
            Assert.Equal(share, new BatchShard(r, size).Take([.. list]));
            Assert.InRange(share.Count, items / size, (items / size) + 1);
            union.AddRange(share);
        }

        // Concatenated in rank order the shares are the list: nothing twice, nothing missing, same order.
        Assert.Equal(list, union);
    }

    [Fact]
    public void AShareOfAnInvalidRankIsAnError()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(2, 2).Take<int>([1, 2, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchShard(0, 0).Take<int>([1]));
    }

    [Fact]
    public void TheSingleProcessCommunicatorIsTheIdentity()
    {
        ICommunicator c = SingleProcessCommunicator.Instance;
        float[] data = [1, 2, 3];
        c.AllReduceSum(data);
        var gathered = new float[3];
        c.AllGather(data, gathered, [3]);
        Assert.Equal((0, 1), (c.Rank, c.Size));
        Assert.Equal(data, gathered);
        Assert.Equal(BatchShard.Whole, BatchShard.Of(c));
    }
}
