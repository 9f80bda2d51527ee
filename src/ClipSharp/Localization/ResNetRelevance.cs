using ClipSharp.Layers;
using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Localization;

/// <summary>
/// <see cref="LocateMethod.Gradient"/> for a <see cref="ModifiedResNet"/>, at Grad-CAM's own place: layer4's output,
/// the [C, S, S] map entering the attention pool. The trunk runs once, in inference mode (batch norm with its running
/// statistics), exactly the forward pass the image's embedding comes from, so no batch norm needs a backward pass;
/// then the attention pool runs one kept forward pass and, per prompt, one backward pass down to the map. The trunk
/// and the pool's forward pass do not depend on the prompt, so every prompt shares them.
/// </summary>
internal static class ResNetRelevance
{
    // pixels [3, R, R] normalised, texts [P, E] unit rows -> layer4's activations and each prompt's cosine gradients
    // there, [P, S², C]: one row of C channels per position, row-major (the activations repeated per prompt).
    public static (float[] Activations, float[] Gradients) Backward(ClipModel model, ModifiedResNet resnet, ReadOnlySpan<float> pixels, Tensor texts)
    {
        int prompts = texts.Dim(0);
        int e = resnet.OutputDim;
        var pool = new AttentionPool2dGradient(resnet.Attnpool, model.Parameters.Layout, batch: 1);
        int size = pool.MapLength;
        var map = new float[size];
        resnet.ForwardMap(pixels, 1, map);
        var feature = new float[e];
        pool.Forward(map, feature);

        var dFeature = new float[e];
        var dMaps = new float[prompts * size];
        var maps = new float[prompts * size];
        for (int p = 0; p < prompts; p++)
        {
            GradientRelevance.CosineGradient(feature, texts.Span.Slice(p * e, e), dFeature);
            pool.Backward(dFeature, dMaps.AsSpan(p * size, size));
            map.CopyTo(maps.AsSpan(p * size, size));
        }

        return (GradientRelevance.Rows(maps, prompts, resnet.EmbedDim), GradientRelevance.Rows(dMaps, prompts, resnet.EmbedDim));
    }
}
