using ClipSharp.Localization;

namespace ClipSharp.Evaluation;

/// <summary>
/// Localisation scores of one method over the synthetic scenes of one object count, each beside its baselines.
/// Pointing game: the share of objects whose heat-map peak falls inside the object's mask; the centre baseline
/// points at the image centre, the random baseline at a uniformly random pixel (its exact expectation, the mean
/// share of the image an object covers). mIoU: per scene, the mean over its objects and the background of the IoU
/// between the pixels labelled so and the true ones, averaged over scenes; the baselines label every pixel
/// background, or each pixel with a uniformly random label (seeded).
/// </summary>
public sealed record LocalizationScores(
    LocateMethod Method,
    int ObjectsPerScene,
    int Scenes,
    double Pointing,
    double PointingCentre,
    double PointingRandom,
    double MeanIoU,
    double MeanIoUBackground,
    double MeanIoURandom);
