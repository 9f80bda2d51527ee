namespace ClipSharp.Tensors.Kernels.Simd;

// One vector width of float lanes, so that a kernel body is written once and instantiated per width.
// Implemented by structs: the JIT specialises each generic instantiation over a struct and inlines these
// static calls, so a body over ISimdWidth compiles to the same instructions as one written against
// Vector256 directly. Comparison results are lane masks held as float vectors; the Int32 members read and
// write the lanes' bits as integers without converting them.
internal interface ISimdWidth<TVec>
    where TVec : struct
{
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec One { get; }

    static abstract TVec Load(ref float source, nuint offset);

    static abstract void Store(TVec value, ref float destination, nuint offset);

    static abstract TVec Create(float value);

    static abstract TVec Add(TVec a, TVec b);

    static abstract TVec Subtract(TVec a, TVec b);

    static abstract TVec Multiply(TVec a, TVec b);

    static abstract TVec Divide(TVec a, TVec b);

    // a·b + c with one rounding.
    static abstract TVec FusedMultiplyAdd(TVec a, TVec b, TVec c);

    static abstract TVec Min(TVec a, TVec b);

    static abstract TVec Max(TVec a, TVec b);

    static abstract TVec Abs(TVec x);

    static abstract TVec Negate(TVec x);

    static abstract TVec CopySign(TVec value, TVec sign);

    static abstract TVec LessThan(TVec a, TVec b);

    static abstract TVec GreaterThan(TVec a, TVec b);

    static abstract TVec And(TVec a, TVec b);

    static abstract TVec Or(TVec a, TVec b);

    // A lane mask where the lanes' bits, read as integers, are equal.
    static abstract TVec EqualsInt32(TVec a, TVec b);

    // mask ? a : b, lane by lane.
    static abstract TVec ConditionalSelect(TVec mask, TVec a, TVec b);

    // A mask of the first count lanes (0 ≤ count ≤ Count).
    static abstract TVec FirstLanes(int count);

    static abstract float Sum(TVec x);

    static abstract float MaxAcross(TVec x);

    static abstract TVec CreateInt32(int value);

    static abstract TVec AddInt32(TVec a, TVec b);

    static abstract TVec SubtractInt32(TVec a, TVec b);

    static abstract TVec ShiftLeftInt32(TVec x, int count);

    static abstract TVec ShiftRightArithmeticInt32(TVec x, int count);
}
