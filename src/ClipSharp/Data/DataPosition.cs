namespace ClipSharp.Data;

/// <summary>
/// Where iteration stands: batch <see cref="Batch"/> of epoch <see cref="Epoch"/>. A loader started at a position
/// yields exactly what an uninterrupted run yields from there, so a trainer saves the position in its checkpoint.
/// </summary>
public readonly record struct DataPosition(int Epoch, int Batch)
{
    public static DataPosition Start => default;

    public override string ToString() => $"epoch {Epoch}, batch {Batch}";
}
