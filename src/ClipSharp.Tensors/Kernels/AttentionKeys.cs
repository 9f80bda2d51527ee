namespace ClipSharp.Tensors.Kernels;

// One head's keys transposed into scratch for the score tiles, which broadcast a query element and
// load keyLength-contiguous vectors of keys.
internal static unsafe class AttentionKeys
{
    // k: [keyLength, headDim] with rows kStride apart -> kT: [headDim, ldk], columns past keyLength zeroed.
    public static void Load(float* k, int kStride, int keyLength, int headDim, float* kT, int ldk)
    {
        for (int j = 0; j < keyLength; j++)
        {
            float* kRow = k + ((nint)j * kStride);
            for (int d = 0; d < headDim; d++)
            {
                kT[((nint)d * ldk) + j] = kRow[d];
            }
        }

        for (int d = 0; d < headDim; d++)
        {
            new Span<float>(kT + ((nint)d * ldk) + keyLength, ldk - keyLength).Clear();
        }
    }
}
