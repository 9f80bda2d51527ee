namespace ClipSharp.Localization;

/// <summary>
/// What occlusion sensitivity's forward passes give, before any score: the cosine of the image with each of P
/// prompts (<see cref="Baseline"/>, [P]) and, per occluder size, of every occluded image ([positions², P], occluders
/// in <see cref="OcclusionSensitivity.Covered"/>'s order), on a <see cref="Grid"/> × <see cref="Grid"/> map of
/// <see cref="Stride"/>-pixel cells.
/// </summary>
internal sealed record OccludedCosines(int Grid, int Stride, IReadOnlyList<int> Sizes, float[] Baseline, float[][] Occluded);
