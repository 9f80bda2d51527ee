namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// A register-tiled GEMM inner kernel over packed panels. Drivers are generic over the struct implementing it,
/// so tile sizes fold to constants and the call inlines.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the C tile, and the interleave of a packed A panel.</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the C tile, and the width of a packed B panel.</summary>
    static abstract int Nr { get; }

    /// <summary>Depth of one packed block (the driver's KC): sized to the caches of the CPUs the kernel targets.</summary>
    static abstract int Kc { get; }

    /// <summary>Columns of one packed block (the driver's NC); a multiple of <see cref="Nr"/>, so blocks start on a panel.</summary>
    static abstract int Nc { get; }

    // a: packed [kc, Mr]; b: packed [kc, Nr]; c: [Mr, Nr] with row stride ldc.
    // c = alpha * aᵀ·b + beta * c; with beta == 0, c is written without being read.
    static abstract void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta);

    // Rows [0, rows) of a full-width tile, 0 < rows < Mr (the bottom edge of C), each element with the bits Run gives
    // it; the rows below are neither computed nor written.
    static abstract void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta);
}
