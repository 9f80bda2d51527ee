using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ClipSharp.IO;
using ClipSharp.Text;

namespace ClipSharp.Checkpoints.Conversion;

/// <summary>
/// A vocabulary as Hugging Face's CLIP tokenizer files: <c>vocab.json</c> (token to id, keys sorted, indent 2) and
/// <c>merges.txt</c> (a <c>#version: 0.2</c> line, then one merge per line in rank order).
/// </summary>
internal static class HfTokenizerFiles
{
    public const string MergesHeader = "#version: 0.2";

    public static void Write(ClipVocabulary vocabulary, string folder)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (token, id) in vocabulary.Encoder.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(token, id);
            }

            w.WriteEndObject();
        }

        AtomicFile.WriteAllBytes(Path.Combine(folder, TokenizerFiles.VocabJsonFileName), json.ToArray());
        var merges = new StringBuilder(MergesHeader).Append('\n');
        foreach (var (first, second) in vocabulary.Merges)
        {
            merges.Append(first).Append(' ').Append(second).Append('\n');
        }

        AtomicFile.WriteAllBytes(Path.Combine(folder, TokenizerFiles.MergesFileName), Encoding.UTF8.GetBytes(merges.ToString()));
    }
}
