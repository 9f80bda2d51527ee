namespace ClipSharp.Tensors.Kernels.Reference;

internal static class SoftmaxReference
{
    // x, y: [rows, cols], softmax over each row; -inf entries get probability 0.
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            double max = double.NegativeInfinity;
            for (int i = 0; i < cols; i++)
            {
                max = Math.Max(max, xr[i]);
            }

            double sum = 0;
            for (int i = 0; i < cols; i++)
            {
                sum += Math.Exp(xr[i] - max);
            }

            for (int i = 0; i < cols; i++)
            {
                yr[i] = (float)(Math.Exp(xr[i] - max) / sum);
            }
        }
    }
}
