using ClipSharp.Tensors.Kernels.Simd;

namespace ClipSharp.Tensors.Kernels.Operators;

// w = f(x, y, z), lane by lane; see IUnaryOperator.
internal interface ITernaryOperator
{
    float Invoke(float x, float y, float z);

    TVec Invoke<TWidth, TVec>(TVec x, TVec y, TVec z)
        where TWidth : struct, ISimdWidth<TVec>
        where TVec : struct;
}
