using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels.Simd;

// Vector512 lanes (AVX-512). Across lanes, the maximum halves to Vector256 first.
internal readonly struct Simd512 : ISimdWidth<Vector512<float>>
{
    public static int MapUnroll => 4;

    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    public static Vector512<float> One => Vector512<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

    // AVX-512's IEEE min and max are single instructions already.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> x, Vector512<float> lo, Vector512<float> hi) => Vector512.Min(Vector512.Max(x, lo), hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ClampMax(Vector512<float> x, Vector512<float> hi) => Vector512.Min(x, hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Negate(Vector512<float> x) => -x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> CopySign(Vector512<float> value, Vector512<float> sign) => Vector512.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;

    public static Vector512<float> Or(Vector512<float> a, Vector512<float> b) => a | b;

    public static Vector512<float> EqualsInt32(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a.AsInt32(), b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ConditionalSelect(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FirstLanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> x) => Vector512.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> x) => Simd256.MaxAcross(Vector256.Max(x.GetLower(), x.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> CreateInt32(int value) => Vector512.Create(value).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> AddInt32(Vector512<float> a, Vector512<float> b) => (a.AsInt32() + b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SubtractInt32(Vector512<float> a, Vector512<float> b) => (a.AsInt32() - b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ShiftLeftInt32(Vector512<float> x, int count) => Vector512.ShiftLeft(x.AsInt32(), count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ShiftRightArithmeticInt32(Vector512<float> x, int count) => Vector512.ShiftRightArithmetic(x.AsInt32(), count).AsSingle();
}
