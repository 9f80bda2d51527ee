using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ClipSharp.Tensors.Kernels.Operators;
using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels;

public static class Softmax
{
    // x, y: [rows, cols], softmax over each row with the row maximum subtracted first;
    // -inf entries get probability 0. y may alias x.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        KernelArgs.NonNegative(rows, nameof(rows));
        KernelArgs.NonNegative(cols, nameof(cols));
        long count = (long)rows * cols;
        KernelArgs.Length(x.Length, count, nameof(x), $"[rows={rows}, cols={cols}]");
        KernelArgs.Length(y.Length, count, nameof(y), $"[rows={rows}, cols={cols}]");
        Forward(x, y, rows, cols, KernelIsas.Best);
    }

    internal static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, KernelIsa isa)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < rows; r++)
        {
            ref float xRow = ref Unsafe.Add(ref xr, (nint)r * cols);
            ref float yRow = ref Unsafe.Add(ref yr, (nint)r * cols);
            float max = RowReduce.Run(default(MaxReduction), ref xRow, cols, isa);
            float sum = MapSum.Run(new ExpShiftOperator(max), ref xRow, ref yRow, cols, isa);
            UnaryMap.Run(new ScaleOperator(1f / sum), ref yRow, ref yRow, cols, isa);
        }
    }
}
