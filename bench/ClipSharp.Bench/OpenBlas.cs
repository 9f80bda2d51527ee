using System.Runtime.InteropServices;

namespace ClipSharp.Bench;

/// <summary>OpenBLAS's cblas_sgemm, bound at run time so the benchmark still runs (ours only) where it is absent.</summary>
internal sealed unsafe class OpenBlas
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setNumThreads;

    private OpenBlas(IntPtr library)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(library, "cblas_sgemm");
        _setNumThreads = NativeLibrary.TryGetExport(library, "openblas_set_num_threads", out IntPtr set)
            ? (delegate* unmanaged<int, void>)set
            : null;
    }

    public static OpenBlas? TryLoad(out string message)
    {
        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas" })
        {
            if (NativeLibrary.TryLoad(name, out IntPtr library) && NativeLibrary.TryGetExport(library, "cblas_sgemm", out _))
            {
                message = $"OpenBLAS: {name}, core {CoreName(library)}, OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset: OpenBLAS detects)"}";
                return new OpenBlas(library);
            }
        }

        message = "OpenBLAS: not found (install with `apt-get install -y libopenblas0-pthread`); reporting ClipSharp only.";
        return null;
    }

    // The kernels OpenBLAS chose (its detection, or OPENBLAS_CORETYPE): the peer's half of the table's machine line.
    private static string CoreName(IntPtr library)
    {
        if (!NativeLibrary.TryGetExport(library, "openblas_get_corename", out IntPtr export))
        {
            return "unknown";
        }

        var corename = (delegate* unmanaged<byte*>)export;
        return Marshal.PtrToStringUTF8((IntPtr)corename()) ?? "unknown";
    }

    public void SetThreads(int threads)
    {
        if (_setNumThreads != null)
        {
            _setNumThreads(threads);
        }
    }

    public void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }
}
