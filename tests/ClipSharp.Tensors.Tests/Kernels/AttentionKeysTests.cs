using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Tensors.Tests.Kernels;

// The key transpose: kT[d, j] = k[j, d] with the padding columns zeroed, for block-multiple and ragged shapes.
public sealed class AttentionKeysTests
{
    public static TheoryData<string> Isas => new("Scalar", "Vector128", "Vector256", "Vector512");

    [Theory]
    [MemberData(nameof(Isas))]
    public unsafe void TransposesAndZeroPads(string isaName)
    {
        KernelIsa isa = KernelTestKit.Isa(isaName);
        foreach ((int keys, int dim, int stride) in ((int, int, int)[])[(50, 64, 192), (16, 16, 16), (37, 40, 41), (3, 5, 7), (257, 64, 3072)])
        {
            int ldk = AttentionTiles.PaddedKeys(keys);
            float[] k = KernelTestKit.Uniform(new Random(keys + dim), ((keys - 1) * stride) + dim, -1f, 1f);
            float[] kT = new float[dim * ldk];
            Array.Fill(kT, float.NaN);
            fixed (float* kp = k, tp = kT)
            {
                AttentionKeys.Load(kp, stride, keys, dim, tp, ldk, isa);
            }

            for (int d = 0; d < dim; d++)
            {
                for (int j = 0; j < ldk; j++)
                {
                    float expected = j < keys ? k[(j * stride) + d] : 0f;
                    Assert.True(expected.Equals(kT[(d * ldk) + j]), $"{isaName} keys={keys} dim={dim}: kT[{d}, {j}] is {kT[(d * ldk) + j]}, expected {expected}");
                }
            }
        }
    }
}
