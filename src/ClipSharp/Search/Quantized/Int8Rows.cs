using ClipSharp.Tensors;

namespace ClipSharp.Search.Quantized;

/// <summary>
/// Every row rounded to int8 with its own scale (the largest magnitude maps to 127): a quarter of the float32 bytes,
/// and a dot product within about 4·10⁻⁴ of the exact one for a unit 512-d row. Candidates that pass the 1-bit
/// estimate are ordered by this score, so only a handful need the float32 rows.
/// </summary>
internal sealed class Int8Rows
{
    private Int8Rows(int dimension, sbyte[] values, float[] scales)
    {
        Dimension = dimension;
        Values = values;
        Scales = scales;
    }

    public int Dimension { get; }

    public int Count => Scales.Length;

    /// <summary>[N, D].</summary>
    public sbyte[] Values { get; }

    /// <summary>Per row: the value of one int8 step.</summary>
    public float[] Scales { get; }

    public long Bytes => Values.LongLength + (Scales.LongLength * sizeof(float));

    // rows: [N, D]
    public static Int8Rows Build(ReadOnlyMemory<float> rows, int dimension)
    {
        int count = rows.Length / dimension;
        var values = new sbyte[(long)count * dimension];
        var scales = new float[count];
        int threads = Math.Max(1, Math.Min(Parallelism.MaxThreads, count / 8192));
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int first = (int)((long)count * t / threads);
            int end = (int)((long)count * (t + 1) / threads);
            for (int j = first; j < end; j++)
            {
                ReadOnlySpan<float> row = rows.Span.Slice(j * dimension, dimension);
                float largest = MathF.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(row));
                if (!(largest > 0) || !float.IsFinite(largest))
                {
                    continue;
                }

                scales[j] = largest / 127f;
                Span<sbyte> q = values.AsSpan(j * dimension, dimension);
                for (int i = 0; i < dimension; i++)
                {
                    q[i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scales[j]), -127, 127);
                }
            }
        });

        return new Int8Rows(dimension, values, scales);
    }

    /// <summary>
    /// Asks the CPU to start loading row j. Candidates are scattered over the rows, so without this every one of
    /// them waits for memory in turn; issued a few candidates ahead, the loads overlap.
    /// </summary>
    public unsafe void Prefetch(int j)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }

        // The array lives in the large-object heap, which is not compacted; a stale address would only make the
        // prefetch useless, never fault.
        byte* row = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref Values[(long)j * Dimension]);
        for (int offset = 0; offset < Dimension; offset += 64)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(row + offset);
        }
    }

    /// <summary>⟨query, row j⟩ from the int8 values.</summary>
    public float Dot(ReadOnlySpan<float> query, int j)
        => Int8Dot.Dot(query, Values.AsSpan(j * Dimension, Dimension)) * Scales[j];
}
