using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>
/// The API's own JSON settings (snake_case), used for its responses whatever the host application configured, so
/// mapping the endpoints into an app never changes the app's JSON nor the app the API's.
/// </summary>
internal static class ClipJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IResult Ok<T>(T value) => Results.Json(value, Options);
}
