using System.Text.Json.Serialization;

namespace ClipSharp.Localization;

/// <summary>
/// The report of one image's prompts located, as <c>clip locate --json</c> prints it and <c>POST /v1/locate</c>
/// answers: the image's name and size, the grid and the method the heat maps were made on, and one
/// <see cref="PromptLocationSummary"/> per prompt in the order given. The JSON names are fixed by the attributes,
/// so any <see cref="System.Text.Json.JsonSerializerOptions"/> write the same object.
/// </summary>
public sealed record LocateReport
{
    private LocateReport(string image, int width, int height, int grid, LocateMethod method, IReadOnlyList<PromptLocationSummary> prompts)
    {
        Image = image;
        Width = width;
        Height = height;
        Grid = grid;
        Method = method;
        Prompts = prompts;
    }

    /// <summary>How the caller names the image: a path, an upload's file name. The report never reads it.</summary>
    [JsonPropertyName("image")]
    public string Image { get; }

    [JsonPropertyName("width")]
    public int Width { get; }

    [JsonPropertyName("height")]
    public int Height { get; }

    /// <summary>Cells per side of the grid the heat maps were computed on.</summary>
    [JsonPropertyName("grid")]
    public int Grid { get; }

    /// <summary>The method's name, as in <see cref="LocateMethods.Names"/>.</summary>
    [JsonPropertyName("method")]
    public string MethodName => Method.Name();

    [JsonPropertyName("prompts")]
    public IReadOnlyList<PromptLocationSummary> Prompts { get; }

    [JsonIgnore]
    public LocateMethod Method { get; }

    /// <summary>The report of what <see cref="ClipLocator.Locate(Imaging.DecodedImage, IReadOnlyList{string}, IReadOnlyList{string}?, float)"/> found in one image.</summary>
    /// <exception cref="ArgumentException">No locations, or locations of different images or methods.</exception>
    public static LocateReport Create(string image, IReadOnlyList<PromptLocation> located)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(located);
        if (located.Count == 0)
        {
            throw new ArgumentException("nothing to report: no prompt locations.", nameof(located));
        }

        HeatMap first = located[0].HeatMap;
        foreach (PromptLocation l in located)
        {
            if (l.HeatMap.Width != first.Width || l.HeatMap.Height != first.Height || l.HeatMap.GridSize != first.GridSize || l.HeatMap.Method != first.Method)
            {
                throw new ArgumentException(
                    $"prompt \"{l.Prompt}\" was located on a {l.HeatMap.Width} x {l.HeatMap.Height} image ({l.HeatMap.Method.Name()}, grid {l.HeatMap.GridSize}), "
                    + $"prompt \"{located[0].Prompt}\" on a {first.Width} x {first.Height} one ({first.Method.Name()}, grid {first.GridSize}): one report is one image by one method.",
                    nameof(located));
            }
        }

        return new LocateReport(image, first.Width, first.Height, first.GridSize, first.Method, [.. located.Select(PromptLocationSummary.Create)]);
    }
}
