namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// A tile at the right edge of C (fewer than NR valid columns): the kernel wrote the full tile to scratch, and only its
/// valid part is merged into C. The update is the kernels' own (alpha·acc, or alpha·acc fused with beta·C), so an
/// element of C gets the same bits whether it falls in a full or an edge tile: results do not depend on m, n or the
/// thread split.
/// </summary>
internal static unsafe class GemmEdge
{
    // tile: [MR, nr] scratch; c: rows × cols of C with row stride ldc.
    public static void Merge(float* tile, int nr, float* c, nint ldc, int rows, int cols, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + (r * nr);
            float* d = c + (r * ldc);
            for (int j = 0; j < cols; j++)
            {
                d[j] = beta == 0f ? alpha * t[j] : MathF.FusedMultiplyAdd(alpha, t[j], beta * d[j]);
            }
        }
    }
}
