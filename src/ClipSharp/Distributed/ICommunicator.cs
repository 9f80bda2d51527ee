namespace ClipSharp.Distributed;

/// <summary>
/// The collectives data-parallel training needs, over the processes of one job. Every rank calls each collective in
/// the same order with buffers of the same length; a rank that stops calling leaves the others waiting, which is why
/// a failing rank calls <see cref="Abort"/> rather than leaving quietly. Disposing it ends this process's part in
/// the job (collective too: every rank disposes it on the way out).
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index, 0 to <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of processes in the job.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="data"/> on every rank by its element-wise sum over all ranks.</summary>
    void AllReduceSum(Span<float> data);

    /// <summary>Concatenates every rank's <paramref name="local"/> (of one length) in rank order into <paramref name="gathered"/>.</summary>
    void AllGather(ReadOnlySpan<float> local, Span<float> gathered);

    /// <summary>
    /// Concatenates every rank's <paramref name="local"/> in rank order into <paramref name="gathered"/>, rank r
    /// contributing <paramref name="counts"/>[r] floats.
    /// </summary>
    void AllGather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts);

    /// <summary>
    /// Sums <paramref name="data"/> (of one length on every rank, the total of <paramref name="counts"/>) over the
    /// ranks and hands each rank its piece of the sum: rank r receives the counts[r] floats that follow the pieces of
    /// ranks 0 to r − 1 into <paramref name="piece"/>. An all-reduce's half of the traffic when each rank needs only
    /// its own slice of the result. <paramref name="piece"/> must not overlap <paramref name="data"/>.
    /// </summary>
    void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> piece, ReadOnlySpan<int> counts);

    /// <summary>
    /// The all-gather of slices of one buffer: <paramref name="data"/> (the total of <paramref name="counts"/>) holds
    /// this rank's counts[Rank] floats at their place (after the pieces of the lower ranks); on return it holds every
    /// rank's piece at its place.
    /// </summary>
    void AllGatherInPlace(Span<float> data, ReadOnlySpan<int> counts);

    /// <summary>
    /// Concatenates every rank's <paramref name="local"/> (counts[r] floats from rank r) in rank order into
    /// <paramref name="gathered"/> of rank <paramref name="root"/> alone; the other ranks pass an empty buffer.
    /// </summary>
    void Gather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts, int root);

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into <paramref name="data"/> of every rank.</summary>
    void Broadcast(Span<float> data, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every process of the job with <paramref name="code"/>; it does not return.</summary>
    void Abort(int code);
}
