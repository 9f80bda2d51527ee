namespace ClipSharp.Tensors.Kernels;

/// <summary>How the GEMM driver splits a problem; tests force each path, callers leave it to the shape.</summary>
internal enum GemmPath
{
    /// <summary>ColumnPanels when all rows fit one block of packed A, else RowBlocks.</summary>
    Auto,

    /// <summary>op(B) packed whole and shared; threads take ranges of rows.</summary>
    RowBlocks,

    /// <summary>op(B) packed one KC × NR block at a time, just before use; threads take ranges of columns.</summary>
    ColumnPanels,
}
