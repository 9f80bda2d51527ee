namespace ClipSharp.Distributed;

/// <summary>
/// <see cref="ICommunicator"/> over MPI_COMM_WORLD of Open MPI. Initialises MPI with serialised thread support
/// (any thread may call, one at a time: each collective holds a lock), and finalises it on <see cref="Dispose"/>.
/// An MPI error ends the job (MPI's default error handler); a failing rank calls <see cref="Abort"/>, which ends
/// every rank rather than leaving them waiting in the next collective.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly MpiLibrary _mpi;
    private readonly Lock _gate = new();
    private int[] _counts = [];
    private int[] _displacements = [];
    private bool _disposed;

    private MpiCommunicator(MpiLibrary mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
    }

    public int Rank { get; }

    public int Size { get; }

    /// <summary>Loads the MPI library and initialises MPI; once per process.</summary>
    /// <exception cref="MpiLibraryNotFoundException">No MPI library is installed where it is looked for.</exception>
    public static MpiCommunicator Initialize()
    {
        MpiLibrary mpi = MpiLibrary.Load();
        int initialized;
        Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized != 0)
        {
            throw new InvalidOperationException("MPI is initialised already in this process; create one MpiCommunicator per process.");
        }

        int provided;
        Check(mpi.InitThread(null, 0, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < MpiLibrary.ThreadSerialized)
        {
            mpi.FinalizeCall();
            throw new MpiException($"MPI_Init_thread (serialised thread support requested, level {provided} provided)", provided);
        }

        int rank;
        int size;
        Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        return new MpiCommunicator(mpi, rank, size);
    }

    public void AllReduceSum(Span<float> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            fixed (float* p = data)
            {
                Check(_mpi.Allreduce(MpiLibrary.InPlace, p, data.Length, _mpi.Float, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
            }
        }
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> gathered)
    {
        if ((long)local.Length * Size != gathered.Length)
        {
            throw new ArgumentException($"the gathered buffer must hold {Size} × {local.Length} floats, got {gathered.Length}.", nameof(gathered));
        }

        lock (_gate)
        {
            float none = 0;
            fixed (float* send = local)
            fixed (float* receive = gathered)
            {
                Check(_mpi.Allgather(send == null ? &none : send, local.Length, _mpi.Float, receive == null ? &none : receive, local.Length, _mpi.Float, _mpi.CommWorld), "MPI_Allgather");
            }
        }
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts)
    {
        CheckOwnCount(counts, local.Length);
        lock (_gate)
        {
            SetCounts(counts, gathered.Length, nameof(gathered));
            float none = 0;
            fixed (float* send = local)
            fixed (float* receive = gathered)
            fixed (int* c = _counts)
            fixed (int* d = _displacements)
            {
                Check(_mpi.Allgatherv(send == null ? &none : send, local.Length, _mpi.Float, receive == null ? &none : receive, c, d, _mpi.Float, _mpi.CommWorld), "MPI_Allgatherv");
            }
        }
    }

    public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> piece, ReadOnlySpan<int> counts)
    {
        CheckOwnCount(counts, piece.Length);
        lock (_gate)
        {
            SetCounts(counts, data.Length, nameof(data));
            float none = 0;
            fixed (float* send = data)
            fixed (float* receive = piece)
            fixed (int* c = _counts)
            {
                Check(_mpi.ReduceScatter(send == null ? &none : send, receive == null ? &none : receive, c, _mpi.Float, _mpi.Sum, _mpi.CommWorld), "MPI_Reduce_scatter");
            }
        }
    }

    // MPI_IN_PLACE: each rank's own piece is read from its place in the receive buffer.
    public void AllGatherInPlace(Span<float> data, ReadOnlySpan<int> counts)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(counts.Length, Size, nameof(counts));
        lock (_gate)
        {
            SetCounts(counts, data.Length, nameof(data));
            float none = 0;
            fixed (float* receive = data)
            fixed (int* c = _counts)
            fixed (int* d = _displacements)
            {
                Check(_mpi.Allgatherv(MpiLibrary.InPlace, 0, _mpi.Float, receive == null ? &none : receive, c, d, _mpi.Float, _mpi.CommWorld), "MPI_Allgatherv");
            }
        }
    }

    public void Gather(ReadOnlySpan<float> local, Span<float> gathered, ReadOnlySpan<int> counts, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        CheckOwnCount(counts, local.Length);
        lock (_gate)
        {
            SetCounts(counts, Rank == root ? gathered.Length : -1, nameof(gathered));
            float none = 0;
            fixed (float* send = local)
            fixed (float* receive = gathered)
            fixed (int* c = _counts)
            fixed (int* d = _displacements)
            {
                Check(_mpi.Gatherv(send == null ? &none : send, local.Length, _mpi.Float, receive == null ? &none : receive, c, d, _mpi.Float, root, _mpi.CommWorld), "MPI_Gatherv");
            }
        }
    }

    public void Broadcast(Span<float> data, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        if (data.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            fixed (float* p = data)
            {
                Check(_mpi.Bcast(p, data.Length, _mpi.Float, root, _mpi.CommWorld), "MPI_Bcast");
            }
        }
    }

    public void Barrier()
    {
        lock (_gate)
        {
            Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");
        }
    }

    // Not under the lock: a rank that fails while another thread waits in a collective must still end the job.
    public void Abort(int code)
    {
        _mpi.AbortCall(_mpi.CommWorld, code);
        Environment.Exit(code);
    }

    /// <summary>Finalises MPI: collective, so every rank disposes its communicator on the way out.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            int finalized;
            if (_mpi.Finalized(&finalized) == 0 && finalized == 0)
            {
                Check(_mpi.FinalizeCall(), "MPI_Finalize");
            }
        }
    }

    private void CheckOwnCount(ReadOnlySpan<int> counts, int length)
    {
        if (counts.Length != Size || counts[Rank] != length)
        {
            throw new ArgumentException(
                $"counts must give the floats of each of the {Size} ranks, this rank's ({Rank}) equal to its {length}; got [{string.Join(", ", counts.ToArray())}].",
                nameof(counts));
        }
    }

    // Copies the counts and their running sums (the displacements) into the pinned arrays; under the lock. total: the
    // length the counts must add up to, or -1 where the buffer is not significant on this rank.
    private void SetCounts(ReadOnlySpan<int> counts, int total, string buffer)
    {
        Array.Resize(ref _counts, Size);
        Array.Resize(ref _displacements, Size);
        long sum = 0;
        for (int r = 0; r < Size; r++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(counts[r], nameof(counts));
            _counts[r] = counts[r];
            _displacements[r] = checked((int)sum);
            sum += counts[r];
        }

        if (total >= 0 && sum != total)
        {
            throw new ArgumentException($"the buffer must hold the {sum} floats the counts add up to, got {total}.", buffer);
        }
    }

    private static void Check(int code, string call)
    {
        if (code != 0)
        {
            throw new MpiException(call, code);
        }
    }
}
