using ClipSharp.Data;
using ClipSharp.Evaluation;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Tensors;
using ClipSharp.Text;
using ClipSharp.ZeroShot;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// The validation of <c>clip train</c>: retrieval on validation pairs and zero-shot on a labelled folder, with every
/// image decoded and transformed once up front.
/// </summary>
internal sealed class TrainValidation
{
    private const int MaxPairs = 1000;
    private readonly ClipTokenizer _tokenizer;
    private readonly ClipImageTransform _transform;
    private readonly (float[] Pixels, string[] Captions)? _pairs;
    private readonly (float[] Pixels, int[] Labels, string[] Classes)? _zeroShot;

    private TrainValidation(ClipTokenizer tokenizer, ClipImageTransform transform, (float[], string[])? pairs, (float[], int[], string[])? zeroShot)
    {
        _tokenizer = tokenizer;
        _transform = transform;
        _pairs = pairs;
        _zeroShot = zeroShot;
    }

    public static TrainValidation? Create(string? pairsPath, string? zeroShotFolder, ClipTokenizer tokenizer, ClipImageTransform transform)
    {
        if (pairsPath is null && zeroShotFolder is null)
        {
            return null;
        }

        (float[], string[])? pairs = null;
        if (pairsPath is not null)
        {
            CaptionDataset data = CaptionDataset.Open(pairsPath);
            var samples = data.Samples.Take(MaxPairs).ToArray();
            if (samples.Length < 2)
            {
                throw new CliException($"{pairsPath}: validation retrieval needs at least 2 pairs, found {samples.Length}.");
            }

            pairs = (Transform(samples.Select(x => x.Image.Decode()).ToArray(), transform), [.. samples.Select(x => x.Caption)]);
        }

        (float[], int[], string[])? zeroShot = null;
        if (zeroShotFolder is not null)
        {
            LabelledImageFolder folder = LabelledImageFolder.Open(zeroShotFolder);
            zeroShot = (Transform([.. folder.Files.Select(f => ImageDecoder.Decode(f))], transform), [.. folder.Labels], [.. folder.ClassNames]);
        }

        return new TrainValidation(tokenizer, transform, pairs, zeroShot);
    }

    public IReadOnlyDictionary<string, double> Evaluate(ClipModel model)
    {
        var clip = new Clip(model, _tokenizer, _transform, "validation");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        int r = _transform.Resolution;
        if (_pairs is var (pixels, captions))
        {
            Tensor images = clip.EncodePixels(new Tensor(pixels, captions.Length, 3, r, r));
            RetrievalReport report = RetrievalEvaluator.Evaluate(images, clip.EncodeTexts(captions));
            metrics["val_image_to_text_r1"] = report.ImageToTextR1;
            metrics["val_text_to_image_r1"] = report.TextToImageR1;
            metrics["val_text_to_image_r5"] = report.TextToImageR5;
        }

        if (_zeroShot is var (zPixels, labels, classes))
        {
            Tensor images = clip.EncodePixels(new Tensor(zPixels, labels.Length, 3, r, r));
            Tensor classEmbeddings = ZeroShotClassifier.Create(clip, classes, ["a {}"]).ClassEmbeddings;
            metrics["val_zeroshot_top1"] = ZeroShotEvaluator.Evaluate(images, labels, classEmbeddings, classes).Top1;
        }

        return metrics;
    }

    private static float[] Transform(DecodedImage[] images, ClipImageTransform transform)
    {
        int plane = 3 * transform.Resolution * transform.Resolution;
        var pixels = new float[images.Length * plane];
        Parallel.For(0, images.Length, i => transform.Apply(images[i], pixels.AsSpan(i * plane, plane)));
        return pixels;
    }
}
