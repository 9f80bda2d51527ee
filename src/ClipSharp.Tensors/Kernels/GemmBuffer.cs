using System.Runtime.InteropServices;

namespace ClipSharp.Tensors.Kernels;

/// <summary>
/// A 64-byte aligned native scratch area for packed panels, kept per thread so that steady-state GEMM calls
/// allocate nothing. The finalizer returns the memory when its thread is gone.
/// </summary>
internal sealed unsafe class GemmBuffer
{
    // Vector packing may write a few floats past a panel's end before the next panel overwrites them.
    private const long SlackFloats = 64;

    [ThreadStatic]
    private static GemmBuffer? t_packedA;

    [ThreadStatic]
    private static GemmBuffer? t_packedB;

    private float* _data;
    private long _capacity;

    ~GemmBuffer()
    {
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
        }
    }

    public static float* PackedA(long floats) => (t_packedA ??= new GemmBuffer()).Ensure(floats);

    public static float* PackedB(long floats) => (t_packedB ??= new GemmBuffer()).Ensure(floats);

    private float* Ensure(long floats)
    {
        if (floats > _capacity)
        {
            if (_data != null)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                _capacity = 0;
            }

            _data = (float*)NativeMemory.AlignedAlloc((nuint)((floats + SlackFloats) * sizeof(float)), 64);
            _capacity = floats;
        }

        return _data;
    }
}
