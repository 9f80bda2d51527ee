using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// z = f(x, y), lane by lane; see IUnaryOperator.
internal interface IBinaryOperator
{
    float Invoke(float x, float y);

    TVec Invoke<TWidth, TVec>(TVec x, TVec y)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct;
}
