using ClipSharp.Distributed;

namespace ClipSharp.Tests.Distributed;

public sealed class ByteCollectivesTests
{
    [Fact]
    public void BytesOfAnyLengthAreGatheredByRankUnchanged()
    {
        // Lengths that are not whole floats, an empty share, and bit patterns that are NaNs as floats.
        byte[][] local = [[1, 2, 3], [], [0xFF, 0xFF, 0xC0, 0x7F, 0x01, 0x00, 0x80, 0x7F, 9]];
        byte[][][] gathered = ThreadGroup.Run(3, c => c.AllGatherBytes(local[c.Rank]));
        foreach (byte[][] onRank in gathered)
        {
            Assert.Equal(local, onRank);
        }
    }

    [Fact]
    public void ABroadcastGivesEveryRankTheRootsBytes()
    {
        byte[] data = [.. Enumerable.Range(0, 13).Select(i => (byte)(i * 37))];
        byte[][] received = ThreadGroup.Run(3, c => c.BroadcastBytes(c.Rank == 1 ? data : null, 1));
        Assert.All(received, r => Assert.Equal(data, r));
    }

    [Fact]
    public void OneProcessGetsItsOwnBytesBack()
    {
        ICommunicator c = SingleProcessCommunicator.Instance;
        Assert.Equal([1, 2], c.BroadcastBytes([1, 2], 0));
        Assert.Equal<byte[]>([[5]], c.AllGatherBytes([5]));
    }
}
