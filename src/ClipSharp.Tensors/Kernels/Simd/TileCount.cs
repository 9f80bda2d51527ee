namespace ClipSharp.Tensors.Kernels.Simd;

// A register-tile dimension as a type, so that one generic tile body is compiled once per size with the
// count a constant: the JIT drops the accumulators and branches a smaller tile does not use.
internal interface ITileCount
{
    static abstract int Value { get; }
}

internal readonly struct TileOne : ITileCount
{
    public static int Value => 1;
}

internal readonly struct TileTwo : ITileCount
{
    public static int Value => 2;
}

internal readonly struct TileFour : ITileCount
{
    public static int Value => 4;
}
