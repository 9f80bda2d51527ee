using System.CommandLine;
using System.Globalization;
using ClipSharp.Localization;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// <c>--occlusion-score</c>, <c>--occluder-merge</c>, <c>--occluder-sizes</c> and <c>--occlusion-stride</c> of <c>clip locate</c> and
/// <c>clip eval locate</c>: <see cref="LocateOptions"/> of the occlusion method, the library's defaults unless given.
/// The names of the scores and merges are the library's (<see cref="OcclusionScores"/>, <see cref="OccluderSizeMerges"/>).
/// </summary>
internal sealed class OcclusionOptions
{
    public OcclusionOptions()
    {
        Merge = new Option<string>("--occluder-merge")
        {
            Description = "Occlusion only: how the occluder sizes' maps become one: mean, or geometric (the geometric mean of each map's positive part over its maximum).",
            DefaultValueFactory = _ => LocateOptions.Default.OccluderSizeMerge.Name(),
        };
        Merge.AcceptOnlyFromAmong([.. OccluderSizeMerges.Names]);
        Score = new Option<string>("--occlusion-score")
        {
            Description = "Occlusion only: what a cell scores the drop of: cosine (the prompt's), probability (its softmax among the prompts given), contrast (its cosine less the others' mean cosine), margin (its cosine drop less the largest of the others'); all but cosine need two prompts or more.",
            DefaultValueFactory = _ => LocateOptions.Default.OcclusionScore.Name(),
        };
        Score.AcceptOnlyFromAmong([.. OcclusionScores.Names]);
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
        string? sizes = parsed.GetValue(Sizes);
        return options with
        {
            // AcceptOnlyFromAmong has already refused any other name.
            OcclusionScore = OcclusionScores.Parse(parsed.GetValue(Score)!),
            OccluderSizeMerge = OccluderSizeMerges.Parse(parsed.GetValue(Merge)!),
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
