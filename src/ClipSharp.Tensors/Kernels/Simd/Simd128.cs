using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipSharp.Tensors.Kernels.Simd;

// Vector128 lanes: SSE on x64 (selected by tests only there), NEON on ARM64. The maximum across lanes
// pairs them as a tree; max is exact, so any order gives the same value.
internal readonly struct Simd128 : ISimdWidth<Vector128<float>>
{
    public static int MapUnroll => 4;

    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    public static Vector128<float> One => Vector128<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FusedMultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);

    // NEON's fmin and fmax propagate NaN natively; on x64 this width only runs in tests.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> x, Vector128<float> lo, Vector128<float> hi) => Vector128.Min(Vector128.Max(x, lo), hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ClampMax(Vector128<float> x, Vector128<float> hi) => Vector128.Min(x, hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Abs(Vector128<float> x) => Vector128.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Negate(Vector128<float> x) => -x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> CopySign(Vector128<float> value, Vector128<float> sign) => Vector128.CopySign(value, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LessThan(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;

    public static Vector128<float> Or(Vector128<float> a, Vector128<float> b) => a | b;

    public static Vector128<float> EqualsInt32(Vector128<float> a, Vector128<float> b) => Vector128.Equals(a.AsInt32(), b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ConditionalSelect(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FirstLanes(int count) => Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> x) => Vector128.Sum(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> x) => MathF.Max(MathF.Max(x.GetElement(0), x.GetElement(1)), MathF.Max(x.GetElement(2), x.GetElement(3)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> CreateInt32(int value) => Vector128.Create(value).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> AddInt32(Vector128<float> a, Vector128<float> b) => (a.AsInt32() + b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SubtractInt32(Vector128<float> a, Vector128<float> b) => (a.AsInt32() - b.AsInt32()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ShiftLeftInt32(Vector128<float> x, int count) => Vector128.ShiftLeft(x.AsInt32(), count).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ShiftRightArithmeticInt32(Vector128<float> x, int count) => Vector128.ShiftRightArithmetic(x.AsInt32(), count).AsSingle();
}
