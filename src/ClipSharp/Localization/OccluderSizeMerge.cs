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

/// <summary>The merges' names on the command line and in requests.</summary>
public static class OccluderSizeMerges
{
    /// <summary>Every merge's name, in the enum's order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mean", "geometric"];

    /// <summary>The merge of a name (as in <see cref="Names"/>, any case).</summary>
    /// <exception cref="LocateOptionsException">No merge has that name (<see cref="LocateOptionsException.Option"/> is <c>OccluderSizeMerge</c>).</exception>
    public static OccluderSizeMerge Parse(string name) => LocateNames.Parse<OccluderSizeMerge>(Names, nameof(LocateOptions.OccluderSizeMerge), name, "merge of the occluder sizes' maps");

    public static string Name(this OccluderSizeMerge merge) => LocateNames.Name(Names, merge);
}
