namespace ClipSharp.Tensors.Kernels;

// Per-thread scratch that grows to the largest request and is then reused, so steady-state
// kernel calls allocate nothing. A kernel holds it only inside one work item and never across
// a call into another kernel, so one buffer per thread suffices.
internal static class KernelScratch
{
    [ThreadStatic]
    private static float[]? t_buffer;

    public static float[] Get(int length)
    {
        float[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[length];
            t_buffer = buffer;
        }

        return buffer;
    }
}
