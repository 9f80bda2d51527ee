using ClipSharp.Tensors.Kernels;
using ClipSharp.Tensors.Kernels.Reference;

namespace ClipSharp.Tensors.Tests.Kernels;

// Embedding is a gather: it must match the oracle bit for bit.
public sealed class EmbeddingTests
{
    [Fact]
    public void GathersRows_LikeTheOracle()
    {
        var random = new Random(71);
        const int vocab = 50, dim = 13;
        float[] table = KernelTestKit.Uniform(random, vocab * dim, -1f, 1f);
        int[] ids = [0, 49, 7, 7, 23, 1, 48, 0];
        var expected = new float[ids.Length * dim];
        var actual = new float[ids.Length * dim];
        EmbeddingReference.Forward(table, ids, expected, dim);
        Embedding.Forward(table, ids, actual, dim);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void OutOfRangeId_NamesTheIdAndPosition_AndWritesNothing()
    {
        float[] table = new float[10 * 4];
        var y = new float[3 * 4];
        Array.Fill(y, 7f);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Forward(table, [1, 2, 10], y, 4));
        Assert.Contains("token id 10 at position 2", error.Message);
        Assert.Equal("ids", error.ParamName);
        Assert.All(y, v => Assert.Equal(7f, v));
        Assert.Contains("token id -1 at position 0", Assert.Throws<ArgumentOutOfRangeException>(
            () => Embedding.Forward(table, [-1], y, 4)).Message);
    }

    [Fact]
    public void BadShapes_AreRejected()
    {
        var table = new float[10 * 4];
        Assert.Contains("not a whole number of rows", Assert.Throws<ArgumentException>(() => Embedding.Forward(table, [1], new float[3], 3)).Message);
        Assert.Contains("y holds 7", Assert.Throws<ArgumentException>(() => Embedding.Forward(table, [1, 2], new float[7], 4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Forward(table, [1], new float[4], 0));
    }
}
