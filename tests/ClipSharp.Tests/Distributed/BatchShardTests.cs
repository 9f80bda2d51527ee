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
