using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Bench;

/// <summary>A fixed random training batch: images in [−1, 1] and token rows of half the context, the same for a seed.</summary>
internal static class SyntheticBatch
{
    public static (Tensor Images, int[] Tokens) Create(ClipConfig config, int batch, int seed = 0)
    {
        var random = new Random(seed);
        int r = config.ImageResolution, ctx = config.ContextLength;
        var pixels = new float[batch * 3 * r * r];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)((random.NextDouble() * 2) - 1);
        }

        // [SOT, ids..., EOT, 0...]: the end-of-text token is the vocabulary's last id, as in CLIP's.
        var tokens = new int[batch * ctx];
        for (int b = 0; b < batch; b++)
        {
            tokens[b * ctx] = config.VocabSize - 2;
            for (int t = 1; t < ctx / 2; t++)
            {
                tokens[(b * ctx) + t] = random.Next(1, config.VocabSize - 2);
            }

            tokens[(b * ctx) + (ctx / 2)] = config.VocabSize - 1;
        }

        return (Tensor.FromArray(pixels, batch, 3, r, r), tokens);
    }
}
