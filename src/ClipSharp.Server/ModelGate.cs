namespace ClipSharp.Server;

/// <summary>
/// Runs one model call at a time. The kernels already use every core for a single batch, so letting
/// requests overlap would only oversubscribe the CPU; queued requests wait (bounded by the request timeout).
/// </summary>
public sealed class ModelGate(Clip clip) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Clip Clip { get; } = clip;

    public async Task<T> RunAsync<T>(Func<Clip, T> work, CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel);
        try
        {
            return work(Clip);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
