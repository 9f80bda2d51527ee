using ClipSharp.Data.Synthetic;
using ClipSharp.Generation;
using ClipSharp.Imaging;

namespace ClipSharp.Evaluation;

/// <summary>
/// The honest test of CLIP-guided synthesis: an image that fools the model that made it proves nothing, so images
/// made with one model (trained on the synthetic shapes) are judged by another trained with a different seed. For
/// each colour×shape combination, the generating model makes an image of its phrase ("a blue star") with the given
/// options and again as the raw-pixel baseline (<see cref="GeneratorOptions.AsRawPixelBaseline"/>); the judge names
/// each image's colour and shape zero-shot.
/// </summary>
public static class GenerationTransferEvaluator
{
    public const string Guided = "guided";
    public const string RawPixels = "raw_pixels";

    /// <summary>Every colour×shape combination, colour by colour.</summary>
    public static IReadOnlyList<(int Color, SynthShape Shape)> AllCombinations { get; } =
        [.. Enumerable.Range(0, SynthVocabulary.Colors.Count).SelectMany(c => SynthVocabulary.Shapes.Select(s => (c, s)))];

    /// <summary>The options' method first, then the raw-pixel baseline.</summary>
    /// <param name="generator">The model that makes the images (a ViT).</param>
    /// <param name="judge">The model that names their colour and shape.</param>
    /// <param name="options">The method; the baseline keeps its steps, seed, size and learning rate.</param>
    /// <param name="combinations">The prompts; null: <see cref="AllCombinations"/>.</param>
    /// <param name="progress">The images made so far (of twice the combinations).</param>
    /// <param name="cancellation">Stops between two optimiser steps.</param>
    public static IReadOnlyList<GenerationTransferScores> Evaluate(
        Clip generator, Clip judge, GeneratorOptions? options = null, IReadOnlyList<(int Color, SynthShape Shape)>? combinations = null,
        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(judge);
        options ??= new GeneratorOptions();
        combinations ??= AllCombinations;
        if (combinations.Count == 0)
        {
            throw new ArgumentException("give at least one colour×shape combination.", nameof(combinations));
        }

        string[] prompts = [.. combinations.Select(x => CaptionWriter.Phrase(new SynthObject(x.Shape, x.Color, true, 4, 0, 0), size: false, position: false))];
        var judgeClassifier = new SynthAttributeClassifier(judge);
        var selfClassifier = new SynthAttributeClassifier(generator);
        var rows = new List<GenerationTransferScores>();
        int done = 0;
        foreach ((string method, GeneratorOptions o) in new[] { (Guided, options), (RawPixels, options.AsRawPixelBaseline()) })
        {
            ClipGenerator maker = ClipGenerator.Create(generator, o);
            var images = new DecodedImage[prompts.Length];
            double similarity = 0;
            for (int i = 0; i < prompts.Length; i++)
            {
                GenerationResult made = maker.Generate(prompts[i], cancellation: cancellation);
                images[i] = made.Image;
                similarity += made.Similarity;
                progress?.Report(++done);
            }

            var judged = judgeClassifier.Classify(images);
            var own = selfClassifier.Classify(images);
            double Share(Func<int, bool> right) => Enumerable.Range(0, images.Length).Count(right) / (double)images.Length;
            rows.Add(new GenerationTransferScores(
                method, images.Length,
                Share(i => judged[i].Color == combinations[i].Color),
                Share(i => judged[i].Shape == combinations[i].Shape),
                Share(i => judged[i] == combinations[i]),
                Share(i => own[i].Color == combinations[i].Color),
                Share(i => own[i].Shape == combinations[i].Shape),
                similarity / images.Length));
        }

        return rows;
    }
}
