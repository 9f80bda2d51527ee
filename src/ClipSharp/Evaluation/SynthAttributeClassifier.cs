using ClipSharp.Data.Synthetic;
using ClipSharp.Imaging;
using ClipSharp.Tensors;
using ClipSharp.ZeroShot;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace ClipSharp.Evaluation;

/// <summary>
/// Zero-shot colour and shape of an image, as the demo measures them: a colour is the mean of its prompts over every
/// shape ("a red circle", "a red square", ...), a shape the mean over every colour.
/// </summary>
internal sealed class SynthAttributeClassifier
{
    private readonly Clip _clip;
    private readonly Tensor _colors;
    private readonly Tensor _shapes;

    public SynthAttributeClassifier(Clip clip)
    {
        _clip = clip;
        string[] colorWords = [.. SynthVocabulary.Colors.Select(c => c.Name)];
        string[] shapeWords = [.. SynthVocabulary.Shapes.Select(SynthVocabulary.ShapeName)];
        _colors = ZeroShotClassifier.Create(clip, colorWords, [.. shapeWords.Select(s => "a {} " + s)]).ClassEmbeddings;
        _shapes = ZeroShotClassifier.Create(clip, shapeWords, [.. colorWords.Select(c => $"a {c} {{}}")]).ClassEmbeddings;
    }

    /// <summary>Per image: the colour index and the shape named.</summary>
    public (int Color, SynthShape Shape)[] Classify(IReadOnlyList<DecodedImage> images)
    {
        Tensor embeddings = _clip.EncodeImages(images, normalize: true);
        int e = _clip.EmbedDim;
        var result = new (int, SynthShape)[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            ReadOnlySpan<float> image = embeddings.Span.Slice(i * e, e);
            result[i] = (Best(_colors, image, e), SynthVocabulary.Shapes[Best(_shapes, image, e)]);
        }

        return result;
    }

    private static int Best(Tensor classes, ReadOnlySpan<float> image, int e)
    {
        int best = 0;
        float bestScore = float.NegativeInfinity;
        for (int k = 0; k < classes.Dim(0); k++)
        {
            float score = TensorPrimitives.Dot(classes.Span.Slice(k * e, e), image);
            if (score > bestScore)
            {
                best = k;
                bestScore = score;
            }
        }

        return best;
    }
}
