using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// y = f(x), lane by lane: one scalar body for the tails and one vector body for every width. Operators are
// structs, instance rather than static so that one can carry its scalars (a scale, a shift); the drivers
// take them by value, and the JIT specialises the drivers for each.
internal interface IUnaryOperator
{
    float Invoke(float x);

    TVec Invoke<TWidth, TVec>(TVec x)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct;
}
