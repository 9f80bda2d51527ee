using System.Runtime.InteropServices;

namespace ClipSharp.Distributed;

/// <summary>
/// Broadcast and all-gather of bytes (file lists, embeddings with their labels) over the float collectives of
/// <see cref="ICommunicator"/>. The bytes travel as the bit patterns of floats padded to whole floats: broadcast and
/// all-gather only copy their elements, never compute on them, so every pattern (NaNs included) arrives unchanged
/// between ranks of one byte order, which MPI jobs on one cluster are.
/// </summary>
public static class ByteCollectives
{
    /// <summary>
    /// Returns <paramref name="data"/> of rank <paramref name="root"/> on every rank; the other ranks pass null.
    /// Every rank calls it in the same order.
    /// </summary>
    public static byte[] BroadcastBytes(this ICommunicator communicator, byte[]? data, int root)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.Rank == root)
        {
            ArgumentNullException.ThrowIfNull(data);
        }

        if (communicator.Size == 1)
        {
            return data!;
        }

        Span<float> length = [BitConverter.Int32BitsToSingle(communicator.Rank == root ? data!.Length : 0)];
        communicator.Broadcast(length, root);
        int bytes = BitConverter.SingleToInt32Bits(length[0]);
        var floats = new float[Floats(bytes)];
        if (communicator.Rank == root)
        {
            data!.CopyTo(MemoryMarshal.AsBytes(floats.AsSpan()));
        }

        communicator.Broadcast(floats, root);
        return MemoryMarshal.AsBytes(floats.AsSpan())[..bytes].ToArray();
    }

    /// <summary>Every rank's <paramref name="local"/> bytes (of any length), by rank, on every rank.</summary>
    public static byte[][] AllGatherBytes(this ICommunicator communicator, ReadOnlySpan<byte> local)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.Size == 1)
        {
            return [local.ToArray()];
        }

        var lengths = new float[communicator.Size];
        communicator.AllGather([BitConverter.Int32BitsToSingle(local.Length)], lengths);
        int[] bytes = [.. lengths.Select(BitConverter.SingleToInt32Bits)];
        int[] counts = [.. bytes.Select(Floats)];
        var mine = new float[counts[communicator.Rank]];
        local.CopyTo(MemoryMarshal.AsBytes(mine.AsSpan()));
        var gathered = new float[counts.Sum(c => (long)c)];
        communicator.AllGather(mine, gathered, counts);

        var result = new byte[communicator.Size][];
        int offset = 0;
        for (int r = 0; r < communicator.Size; r++)
        {
            result[r] = MemoryMarshal.AsBytes(gathered.AsSpan(offset, counts[r]))[..bytes[r]].ToArray();
            offset += counts[r];
        }

        return result;
    }

    private static int Floats(int bytes) => checked((bytes + sizeof(float) - 1) / sizeof(float));
}
