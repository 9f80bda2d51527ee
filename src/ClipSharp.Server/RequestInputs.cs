using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>One uploaded image: its bytes and the name it is reported under (a file name, or images[i]).</summary>
internal sealed record ImageUpload(string Name, byte[] Data);

/// <summary>
/// The texts, images and scalar fields of a request, from either a JSON body (images as base64 strings) or
/// multipart/form-data (images as files, texts and scalars as fields). Limits are checked while reading.
/// </summary>
internal sealed class RequestInputs
{
    public List<string> Texts { get; } = [];

    public List<ImageUpload> Images { get; } = [];

    public Dictionary<string, List<string>> Fields { get; } = new(StringComparer.Ordinal);

    public static async Task<RequestInputs> ReadAsync(HttpRequest request, ClipServerOptions options, CancellationToken cancel)
    {
        var inputs = new RequestInputs();
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancel);
            }
            catch (IOException e) when (e is not BadHttpRequestException && !cancel.IsCancellationRequested)
            {
                // The multipart reader reports a body that ends before its closing boundary as a plain IOException.
                throw ApiException.BadRequest($"the multipart body is malformed or truncated: {e.Message}");
            }

            foreach (var (key, values) in form)
            {
                var list = key is "text" or "texts" ? inputs.Texts : inputs.FieldList(key);
                list.AddRange(values.Where(v => v is not null).Select(v => v!));
            }

            foreach (IFormFile file in form.Files)
            {
                using var stream = new MemoryStream();
                await file.CopyToAsync(stream, cancel);
                inputs.Images.Add(new ImageUpload(string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName, stream.ToArray()));
            }
        }
        else if (request.HasJsonContentType())
        {
            using JsonDocument doc = await ReadJsonAsync(request, cancel);
            return FromJson(doc.RootElement, options);
        }
        else
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "send application/json or multipart/form-data.");
        }

        return inputs.CheckCount(options);
    }

    /// <summary>A JSON body, which must be an object.</summary>
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, CancellationToken cancel)
    {
        JsonDocument doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancel);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw ApiException.BadRequest("the JSON body must be an object.");
        }

        try
        {
            CheckStrings(doc.RootElement, "$");
        }
        catch
        {
            doc.Dispose();
            throw;
        }

        return doc;
    }

    /// <summary>
    /// JsonDocument accepts an escaped lone surrogate ("\ud800"), but reading that string throws
    /// InvalidOperationException; every string and name is read once here, so the client hears which one is bad.
    /// </summary>
    private static void CheckStrings(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    element.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw ApiException.BadRequest($"the JSON string at {path} holds an unpaired surrogate escape, which is not text.");
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    CheckStrings(item, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw ApiException.BadRequest($"a property name in {path} holds an unpaired surrogate escape, which is not text.");
                    }

                    CheckStrings(property.Value, $"{path}.{name}");
                }

                break;
            default:
                break;
        }
    }

    /// <summary>The inputs of a JSON object already read (see <see cref="ReadJsonAsync"/>).</summary>
    public static RequestInputs FromJson(JsonElement root, ClipServerOptions options)
    {
        var inputs = new RequestInputs();
        foreach (JsonProperty p in root.EnumerateObject())
        {
            inputs.ReadJsonProperty(p);
        }

        return inputs.CheckCount(options);
    }

    public string? Field(string name) => Fields.TryGetValue(name, out List<string>? v) && v.Count > 0 ? v[^1] : null;

    public IReadOnlyList<string> FieldValues(string name) => Fields.TryGetValue(name, out List<string>? v) ? v : [];

    public bool Flag(string name, bool fallback)
    {
        string? value = Field(name);
        return value is null ? fallback
            : bool.TryParse(value, out bool b) ? b
            : throw ApiException.BadRequest($"'{name}' must be true or false, got '{value}'.");
    }

    public int Integer(string name, int fallback, int min, int max)
    {
        string? value = Field(name);
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, out int n) || n < min || n > max)
        {
            throw ApiException.BadRequest($"'{name}' must be a whole number from {min} to {max}, got '{value}'.");
        }

        return n;
    }

    private RequestInputs CheckCount(ClipServerOptions options)
        => Texts.Count + Images.Count <= options.MaxBatchItems
            ? this
            : throw ApiException.TooLarge($"{Texts.Count + Images.Count} inputs in one request; the limit is {options.MaxBatchItems}.");

    private List<string> FieldList(string key)
    {
        if (!Fields.TryGetValue(key, out List<string>? list))
        {
            Fields[key] = list = [];
        }

        return list;
    }

    private void ReadJsonProperty(JsonProperty p)
    {
        switch (p.Name)
        {
            case "texts" or "text":
                Texts.AddRange(Strings(p));
                break;
            case "images" or "image":
                int i = 0;
                foreach (string b64 in Strings(p))
                {
                    Images.Add(new ImageUpload($"images[{i}]", DecodeBase64(b64, $"images[{i}]")));
                    i++;
                }

                break;
            default:
                FieldList(p.Name).AddRange(p.Value.ValueKind == JsonValueKind.Array
                    ? Strings(p)
                    : [p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()]);
                break;
        }
    }

    private static IEnumerable<string> Strings(JsonProperty p)
    {
        if (p.Value.ValueKind == JsonValueKind.String)
        {
            return [p.Value.GetString()!];
        }

        if (p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw ApiException.BadRequest($"'{p.Name}' must be a string or an array of strings.");
        }

        return [.. p.Value.EnumerateArray().Select(e => e.GetString()!)];
    }

    private static byte[] DecodeBase64(string text, string name)
    {
        // Accept data URLs as browsers produce them: "data:image/png;base64,....".
        int comma = text.StartsWith("data:", StringComparison.Ordinal) ? text.IndexOf(',', StringComparison.Ordinal) : -1;
        try
        {
            return Convert.FromBase64String(comma >= 0 ? text[(comma + 1)..] : text);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest($"{name} is not valid base64.");
        }
    }
}
