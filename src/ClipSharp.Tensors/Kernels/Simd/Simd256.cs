using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipSharp.Tensors.Kernels.Simd;

// Vector256 lanes (AVX2). Across lanes, the maximum halves to Vector128 first.
internal readonly struct Simd256 : ISimdWidth<Vector256<float>>
{
    public static int MapUnroll => 2;

    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    public static Vector256<float> One => Vector256<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);

    // vmaxps and vminps return their second operand when either is NaN: x goes second.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> x, Vector256<float> lo, Vector256<float> hi) => Avx.Min(hi, Avx.Max(lo, x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ClampMax(Vector256<float> x, Vector256<float> hi) => Avx.Min(hi, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Negate(Vector256<float> x) => -x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> CopySign(Vector256<float> value, Vector256<float> sign) => Vector256.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;

    public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;

    public static Vector256<float> EqualsInt32(Vector256<float> a, Vector256<float> b) => Vector256.Equals(a.AsInt32(), b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ConditionalSelect(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FirstLanes(int count) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> x) => Vector256.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> x) => Simd128.MaxAcross(Vector128.Max(x.GetLower(), x.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> CreateInt32(int value) => Vector256.Create(value).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> AddInt32(Vector256<float> a, Vector256<float> b) => (a.AsInt32() + b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SubtractInt32(Vector256<float> a, Vector256<float> b) => (a.AsInt32() - b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ShiftLeftInt32(Vector256<float> x, int count) => Vector256.ShiftLeft(x.AsInt32(), count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ShiftRightArithmeticInt32(Vector256<float> x, int count) => Vector256.ShiftRightArithmetic(x.AsInt32(), count).AsSingle();
}
