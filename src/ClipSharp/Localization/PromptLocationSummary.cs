using System.Text.Json.Serialization;

namespace ClipSharp.Localization;

/// <summary>
/// What is reported of one located prompt (<see cref="PromptLocation"/> without its heat map and mask): the peak,
/// the heat there and the lowest heat, the box and the mask's size. The JSON names are fixed here, so every caller's
/// serializer writes the same object: the heat is <c>cosine</c>/<c>min_cosine</c> for the dense method and
/// <c>relevance</c>/<c>min_relevance</c> for the gradient and occlusion methods, since the two are not in the same units.
/// </summary>
public sealed record PromptLocationSummary
{
    private PromptLocationSummary(PromptLocation location)
    {
        Prompt = location.Prompt;
        Peak = location.Peak;
        Method = location.HeatMap.Method;
        PeakScore = location.PeakCosine;
        MinScore = location.HeatMap.Min;
        Box = location.Box;
        Threshold = location.Threshold;
        MaskArea = location.MaskArea;
        MaskFraction = location.MaskFraction;
    }

    [JsonPropertyName("prompt")]
    public string Prompt { get; }

    [JsonPropertyName("peak")]
    public PixelPoint Peak { get; }

    [JsonPropertyName("cosine")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? Cosine => Method == LocateMethod.Dense ? PeakScore : null;

    [JsonPropertyName("min_cosine")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? MinCosine => Method == LocateMethod.Dense ? MinScore : null;

    [JsonPropertyName("relevance")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? Relevance => Method != LocateMethod.Dense ? PeakScore : null;

    [JsonPropertyName("min_relevance")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? MinRelevance => Method != LocateMethod.Dense ? MinScore : null;

    [JsonPropertyName("box")]
    public PixelBox Box { get; }

    /// <summary>The normalised-heat threshold of the mask, in [0, 1].</summary>
    [JsonPropertyName("threshold")]
    public float Threshold { get; }

    /// <summary>Pixels in the mask.</summary>
    [JsonPropertyName("mask_area")]
    public long MaskArea { get; }

    /// <summary>The mask's share of the image, in [0, 1].</summary>
    [JsonPropertyName("mask_fraction")]
    public double MaskFraction { get; }

    /// <summary>The method whose units <see cref="PeakScore"/> and <see cref="MinScore"/> are in.</summary>
    [JsonIgnore]
    public LocateMethod Method { get; }

    /// <summary>The heat at the peak (<see cref="PromptLocation.PeakCosine"/>), whatever the method.</summary>
    [JsonIgnore]
    public float PeakScore { get; }

    /// <summary>The lowest heat in the image (<see cref="HeatMap.Min"/>), whatever the method.</summary>
    [JsonIgnore]
    public float MinScore { get; }

    public static PromptLocationSummary Create(PromptLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new PromptLocationSummary(location);
    }
}
