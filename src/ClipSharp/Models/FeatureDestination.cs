namespace ClipSharp.Models;

internal static class FeatureDestination
{
    // A tower writes [B, E] features into a caller's buffer of exactly that size.
    public static void Validate(int length, int batch, int outputDim)
    {
        long needed = (long)batch * outputDim;
        if (length != needed)
        {
            throw new ArgumentException(
                $"destination must hold batch x embed_dim = {batch} x {outputDim} = {needed} floats, got {length}.",
                "destination");
        }
    }
}
