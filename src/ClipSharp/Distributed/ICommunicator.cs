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

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into <paramref name="data"/> of every rank.</summary>
    void Broadcast(Span<float> data, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every process of the job with <paramref name="code"/>; it does not return.</summary>
    void Abort(int code);
}
