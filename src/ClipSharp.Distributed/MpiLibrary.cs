using System.Runtime.InteropServices;

namespace ClipSharp.Distributed;

/// <summary>
/// The few entry points of Open MPI's libmpi that the communicator needs, bound at run time. Open MPI's handles
/// (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>) are the addresses of exported globals, so they are
/// looked up like the functions. The library is opened with RTLD_GLOBAL because Open MPI's own plug-ins, which it
/// opens in turn, resolve their symbols against it.
/// </summary>
internal sealed unsafe partial class MpiLibrary
{
    /// <summary>Names the library file to load instead of the default search.</summary>
    public const string LibraryVariable = "CLIPSHARP_MPI_LIBRARY";

    public const string InstallHint =
        "install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), or set "
        + LibraryVariable + " to the path of libmpi.so.40";

    public const int ThreadSerialized = 2;

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private static readonly string[] s_defaultNames = ["libmpi.so.40", "libmpi.so"];

    private MpiLibrary(nint handle)
    {
        Handle = handle;
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        FinalizeCall = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        Allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)Export("MPI_Allgatherv");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        ReduceScatter = (delegate* unmanaged<void*, void*, int*, nint, nint, nint, int>)Export("MPI_Reduce_scatter");
        Gatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, int, nint, int>)Export("MPI_Gatherv");
        Barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        AbortCall = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Sum = Export("ompi_mpi_op_sum");
    }

    public nint Handle { get; }

    public delegate* unmanaged<int*, nint, int, int*, int> InitThread { get; }

    public delegate* unmanaged<int*, int> Initialized { get; }

    public delegate* unmanaged<int*, int> Finalized { get; }

    public delegate* unmanaged<int> FinalizeCall { get; }

    public delegate* unmanaged<nint, int*, int> CommRank { get; }

    public delegate* unmanaged<nint, int*, int> CommSize { get; }

    public delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce { get; }

    public delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather { get; }

    public delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> Allgatherv { get; }

    public delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; }

    public delegate* unmanaged<void*, void*, int*, nint, nint, nint, int> ReduceScatter { get; }

    public delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, int, nint, int> Gatherv { get; }

    public delegate* unmanaged<nint, int> Barrier { get; }

    public delegate* unmanaged<nint, int, int> AbortCall { get; }

    public nint CommWorld { get; }

    public nint Float { get; }

    public nint Sum { get; }

    /// <summary>MPI_IN_PLACE in Open MPI's mpi.h.</summary>
    public static void* InPlace => (void*)1;

    /// <summary>Opens the library named by <see cref="LibraryVariable"/>, or Open MPI's libmpi.so.40 from the system.</summary>
    /// <exception cref="MpiLibraryNotFoundException">No library could be opened, or it is not Open MPI's.</exception>
    public static MpiLibrary Load()
    {
        string? configured = Environment.GetEnvironmentVariable(LibraryVariable);
        string[] names = string.IsNullOrEmpty(configured) ? s_defaultNames : [configured];
        var errors = new List<string>();
        foreach (string name in names)
        {
            nint handle = OperatingSystem.IsLinux() ? Dlopen(name, RtldNow | RtldGlobal) : 0;
            if (handle == 0 && !NativeLibrary.TryLoad(name, out handle))
            {
                errors.Add(OperatingSystem.IsLinux() ? $"{name}: {DlError()}" : name);
                continue;
            }

            try
            {
                return new MpiLibrary(handle);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new MpiLibraryNotFoundException(
                    $"{name} is not Open MPI's libmpi ({e.Message}); ClipSharp binds Open MPI's ABI: {InstallHint}.", e);
            }
        }

        throw new MpiLibraryNotFoundException(
            $"distributed mode needs an MPI library, but none could be loaded ({string.Join("; ", errors)}): {InstallHint}.");
    }

    private nint Export(string name) => NativeLibrary.GetExport(Handle, name);

    private static string DlError()
    {
        nint message = DlErrorNative();
        return message == 0 ? "not found" : Marshal.PtrToStringUTF8(message) ?? "not found";
    }

    [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial nint Dlopen(string file, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial nint DlErrorNative();
}
