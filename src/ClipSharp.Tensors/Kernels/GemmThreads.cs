namespace ClipSharp.Tensors.Kernels;

/// <summary>Runs a fixed number of GEMM work shares in parallel, one share per thread, with no nesting.</summary>
internal static class GemmThreads
{
    public static void For<TBody>(int shares, in TBody body)
        where TBody : struct, IForkBody
        => ForkJoin.Run(shares, shares, body);
}
