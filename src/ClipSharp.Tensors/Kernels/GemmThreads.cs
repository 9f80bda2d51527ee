namespace ClipSharp.Tensors.Kernels;

/// <summary>Runs a fixed number of GEMM work shares in parallel, one share per thread, with no nesting.</summary>
internal static class GemmThreads
{
    private static readonly ParallelOptions?[] s_options = new ParallelOptions?[65];

    public static void For(int shares, Action<int> body)
    {
        ParallelOptions options = Options(shares);
        Parallel.For(0, shares, options, body);
    }

    private static ParallelOptions Options(int threads)
    {
        if (threads >= s_options.Length)
        {
            return new ParallelOptions { MaxDegreeOfParallelism = threads };
        }

        return s_options[threads] ??= new ParallelOptions { MaxDegreeOfParallelism = threads };
    }
}
