using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels;

/// <summary>One k step of a packed panel when the source already holds it contiguously: a plain vector copy.</summary>
internal static unsafe class GemmPanelCopy
{
    // count floats, a multiple of 4: 256-bit copies where the CPU has them, then 128-bit ones, so the 12-wide and
    // 8-tall panels of the 128-bit kernel copy as whole vectors too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* src, float* dst, int count)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= count; j += 8)
            {
                Vector256.Load(src + j).Store(dst + j);
            }
        }

        for (; j < count; j += 4)
        {
            Vector128.Load(src + j).Store(dst + j);
        }
    }
}
