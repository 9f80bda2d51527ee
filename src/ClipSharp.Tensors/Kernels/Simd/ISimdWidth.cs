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

    // x limited to [lo, hi], for the range guards in front of exponentials and tails: a NaN x stays NaN, and the
    // bounds must be numbers. Min(Max(x, lo), hi) means the same, but its IEEE 754 NaN and signed-zero rules cost
    // AVX2 about eight instructions each; here one native min and one max do, ordered so that a NaN x comes through.
    // The most vectors an element-wise map works on per step (UnaryMap unrolls by 4, BinaryMap by 2, each only where
    // this allows). Unrolling helps while the operator's constants and temporaries fit the register file: AVX-512 and
    // NEON have 32 vector registers, AVX2 only 16, where four exponentials at once spill to the stack and ran 1.5×
    // slower than one at a time.
    static abstract int MapUnroll { get; }

    static abstract TVec Clamp(TVec x, TVec lo, TVec hi);

    // Min(x, hi) under the same terms as Clamp.
    static abstract TVec ClampMax(TVec x, TVec hi);

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
