using System.CommandLine;
using System.Globalization;
using ClipSharp.Localization;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>--occlusion-score</c>, <c>--occluder-merge</c>, <c>--occluder-sizes</c> and <c>--occlusion-stride</c> of <c>clip locate</c> and
/// <c>clip eval locate</c>: <see cref="LocateOptions"/> of the occlusion method, the library's defaults unless given.
/// </summary>
internal sealed class OcclusionOptions
{
    /// <summary>The scores' names on the command line, in <see cref="OcclusionScore"/>'s order.</summary>
    public static IReadOnlyList<string> ScoreNames { get; } = ["cosine", "probability", "contrast", "margin"];

    /// <summary>The merges' names on the command line, in <see cref="OccluderSizeMerge"/>'s order.</summary>
    public static IReadOnlyList<string> MergeNames { get; } = ["mean", "geometric"];

    public OcclusionOptions()
    {
        Merge = new Option<string>("--occluder-merge")
        {
            Description = "Occlusion only: how the occluder sizes' maps become one: mean, or geometric (the geometric mean of each map's positive part over its maximum).",
            DefaultValueFactory = _ => MergeNames[(int)LocateOptions.Default.OccluderSizeMerge],
        };
        Merge.AcceptOnlyFromAmong([.. MergeNames]);
        Score = new Option<string>("--occlusion-score")
        {
            Description = "Occlusion only: what a cell scores the drop of: cosine (the prompt's), probability (its softmax among the prompts given), contrast (its cosine less the others' mean cosine), margin (its cosine drop less the largest of the others'); all but cosine need two prompts or more.",
            DefaultValueFactory = _ => ScoreNames[(int)LocateOptions.Default.OcclusionScore],
        };
        Score.AcceptOnlyFromAmong([.. ScoreNames]);
    }

    public Option<string> Score { get; }

    public Option<string> Merge { get; }

    public Option<string?> Sizes { get; } = new("--occluder-sizes")
    {
        Description = "Occlusion only: comma-separated occluder sides in model pixels, multiples of the stride (default: a quarter, a half and the whole of the model's grid cell).",
    };

    public Option<int?> Stride { get; } = new("--occlusion-stride")
    {
        Description = "Occlusion only: the step between occluder positions and the map's cell side, in model pixels (default: a quarter of the model's grid cell).",
    };

    public void AddTo(Command command)
    {
        command.Add(Score);
        command.Add(Merge);
        command.Add(Sizes);
        command.Add(Stride);
    }

    /// <summary><paramref name="options"/> with what was given on the command line.</summary>
    public LocateOptions Apply(ParseResult parsed, LocateOptions options)
    {
        int score = ScoreNames.ToList().IndexOf(parsed.GetValue(Score)!);
        string? sizes = parsed.GetValue(Sizes);
        return options with
        {
            OcclusionScore = (OcclusionScore)score,
            OccluderSizeMerge = (OccluderSizeMerge)MergeNames.ToList().IndexOf(parsed.GetValue(Merge)!),
            OccluderSizes = sizes is null ? null : ParseSizes(sizes),
            OcclusionStride = parsed.GetValue(Stride),
        };
    }

    private static int[] ParseSizes(string value)
    {
        string[] parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                throw new CliException($"--occluder-sizes: \"{parts[i]}\" is not a side in pixels.");
            }
        }

        return sizes.Length == 0 ? throw new CliException("--occluder-sizes: give at least one side, e.g. 4,8,16.") : sizes;
    }
}
