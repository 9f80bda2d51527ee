using System.Text.Json;

namespace ClipSharp.Bench;

/// <summary>
/// What makes a load-run response right, beyond its status: a search answers with min(k, entries) hits ranked 1..n
/// by non-increasing score, all of them indexed ids (both checked where the run knows every entry), and a query by an entry (or by its uploaded file) finds that
/// entry at the top score; a thumbnail is a whole JPEG. A wrong answer counts as an error.
/// </summary>
internal static class LoadResponseCheck
{
    public static string? Problem(LoadRequestKind kind, long target, int? expectedHits, IReadOnlySet<long>? ids, string? contentType, byte[] body)
        => kind == LoadRequestKind.Thumbnail ? Thumbnail(contentType, body) : Search(kind, target, expectedHits, ids, body);

    private static string? Thumbnail(string? contentType, byte[] body)
    {
        if (contentType != "image/jpeg")
        {
            return $"a thumbnail of type {contentType ?? "none"}, not image/jpeg";
        }

        bool whole = body.Length > 4 && body[0] == 0xFF && body[1] == 0xD8 && body[^2] == 0xFF && body[^1] == 0xD9;
        return whole ? null : $"a thumbnail of {body.Length} bytes that is not a whole JPEG";
    }

    private static string? Search(LoadRequestKind kind, long target, int? expectedHits, IReadOnlySet<long>? ids, byte[] body)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return $"a search answer that is not JSON: {e.Message}";
        }

        using (json)
        {
            if (!json.RootElement.TryGetProperty("results", out JsonElement results) || results.ValueKind != JsonValueKind.Array)
            {
                return "a search answer without a results array";
            }

            int count = results.GetArrayLength();
            if (expectedHits is int expected ? count != expected : count == 0)
            {
                return $"{count} hits, expected {expectedHits?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "at least one"}";
            }

            float previous = float.PositiveInfinity;
            float top = 0f;
            bool targetAtTop = false;
            int rank = 0;
            foreach (JsonElement hit in results.EnumerateArray())
            {
                rank++;
                long id = hit.GetProperty("id").GetInt64();
                float score = hit.GetProperty("score").GetSingle();
                if (hit.GetProperty("rank").GetInt32() != rank || ids?.Contains(id) == false || score > previous)
                {
                    return $"hit {rank} (id {id}, score {score}) is out of rank order or not an indexed entry";
                }

                top = rank == 1 ? score : top;
                targetAtTop |= id == target && score >= top - 1e-5f;
                previous = score;
            }

            // By an entry or by its own file: that entry is (one of) the nearest.
            return kind is LoadRequestKind.Like or LoadRequestKind.Image && !targetAtTop
                ? $"entry {target} is not among the top-scoring hits of a query by itself"
                : null;
        }
    }
}
