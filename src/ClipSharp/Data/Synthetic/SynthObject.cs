namespace ClipSharp.Data.Synthetic;

/// <summary>
/// One object of a scene: shape, colour (an index into <see cref="SynthVocabulary.Colors"/>), size, the 3×3 grid
/// cell (0 top left … 8 bottom right, row by row) and a small offset inside the cell, as a fraction of the free room.
/// </summary>
public sealed record SynthObject(SynthShape Shape, int Color, bool Large, int Cell, float OffsetX, float OffsetY)
{
    public (int Color, SynthShape Shape) Combination => (Color, Shape);
}
