using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>Query-string values parsed by hand, so that a malformed one is a JSON 400 naming the parameter.</summary>
internal static class ServerQuery
{
    public static string? Value(HttpRequest request, string name)
        => request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    public static int Integer(HttpRequest request, string name, int fallback, int min, int max)
        => Integer(Value(request, name), name, fallback, min, max);

    public static int Integer(string? value, string name, int fallback, int min, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw ApiException.BadRequest($"'{name}' must be a whole number from {min} to {max}, got '{value}'.");
        }

        return n;
    }

    public static float Probability(string? value, string name, float fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float p) || !(p is >= 0 and <= 1))
        {
            throw ApiException.BadRequest($"'{name}' must be a probability from 0 to 1, got '{value}'.");
        }

        return p;
    }
}
