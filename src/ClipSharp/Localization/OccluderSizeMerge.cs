namespace ClipSharp.Localization;

/// <summary>How <see cref="LocateMethod.Occlusion"/> makes one map of a prompt from the maps of its occluder sizes.</summary>
public enum OccluderSizeMerge
{
    /// <summary>The mean of the sizes' maps. A large occluder lowers a score more than a small one, so its map weighs most.</summary>
    Mean,

    /// <summary>
    /// The geometric mean over the sizes of each map's positive part divided by that map's maximum: a cell scores
    /// high only where every size finds evidence, the small occluders saying where inside an object it lies and the
    /// large ones which object it is. Values in [0, 1]; a size that finds no evidence anywhere makes the map 0.
    /// </summary>
    GeometricMean,
}
