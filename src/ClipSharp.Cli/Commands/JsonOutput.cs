using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClipSharp.Cli.Commands;

/// <summary>JSON lines for stdout: compact, UTF-8 text unescaped, floats in their shortest round-trip form.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions s_serializer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Line(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A library record as a JSON object, named as its attributes say, for a command to add its own fields to.</summary>
    public static JsonObject Node<T>(T value)
        where T : notnull
        => JsonSerializer.SerializeToNode(value, s_serializer)!.AsObject();

    public static void WriteFloats(Utf8JsonWriter writer, string name, ReadOnlySpan<float> values)
    {
        writer.WriteStartArray(name);
        foreach (float v in values)
        {
            // Written as float32 (shortest round-trip digits), not widened to double's longer expansion.
            writer.WriteNumberValue(v);
        }

        writer.WriteEndArray();
    }
}
