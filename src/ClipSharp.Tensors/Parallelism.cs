namespace ClipSharp.Tensors;

/// <summary>
/// The engine's single knob for threads. Kernels parallelise at one level only (never nested),
/// so this bound is also the bound on busy cores.
/// </summary>
public static class Parallelism
{
    private static int s_maxThreads = DefaultThreads();

    /// <summary>Threads a kernel may use. Defaults to CLIPSHARP_THREADS, else the processor count.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxThreads = value;
        }
    }

    private static int DefaultThreads()
    {
        string? env = Environment.GetEnvironmentVariable("CLIPSHARP_THREADS");
        return int.TryParse(env, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }
}
