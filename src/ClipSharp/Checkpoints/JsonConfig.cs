using System.Text.Json;

namespace ClipSharp.Checkpoints;

/// <summary>Parses configuration JSON with one error type and a message naming the source.</summary>
internal static class JsonConfig
{
    public static JsonDocument Parse(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{source}: not valid JSON ({e.Message}).", e);
        }
    }
}
