namespace ClipSharp.Distributed;

/// <summary>
/// What a <see cref="MeteredCommunicator"/> counted: the collectives called, the wall-clock seconds spent inside
/// them (waiting for the slowest rank included), and the bytes a bandwidth-optimal (ring) algorithm sends from this
/// rank for them. Subtract two readings for what happened between them.
/// </summary>
/// <param name="Calls">Collectives called.</param>
/// <param name="Seconds">Wall-clock seconds inside them, measured.</param>
/// <param name="Bytes">Bytes sent from this rank by a ring algorithm, computed from the buffers' sizes (see <see cref="MeteredCommunicator"/>).</param>
public readonly record struct CommunicationTotals(long Calls, double Seconds, long Bytes)
{
    public static CommunicationTotals operator -(CommunicationTotals later, CommunicationTotals earlier) =>
        new(later.Calls - earlier.Calls, later.Seconds - earlier.Seconds, later.Bytes - earlier.Bytes);

    public static CommunicationTotals operator +(CommunicationTotals a, CommunicationTotals b) =>
        new(a.Calls + b.Calls, a.Seconds + b.Seconds, a.Bytes + b.Bytes);
}
