using System.Collections.Concurrent;
using System.Globalization;
using ClipSharp.Applications;

namespace ClipSharp.Server;

/// <summary>
/// Taggers by labels and threshold. Their prompt embeddings cost more than tagging one image, and clients send the
/// same labels with every request, so each set is embedded once per server.
/// </summary>
internal sealed class TaggerCache
{
    private const int Capacity = 32;
    private readonly ConcurrentDictionary<string, ImageTagger> _taggers = new(StringComparer.Ordinal);

    /// <summary>Call inside the model gate: building a tagger runs the text tower.</summary>
    public ImageTagger Get(Clip clip, IReadOnlyList<TagLabel> labels, float threshold)
    {
        string key = threshold.ToString("R", CultureInfo.InvariantCulture) + '\u001e' + string.Join(
            '\u001e',
            labels.Select(l => string.Join('\u001f', [l.Name, l.Prompt, l.Threshold?.ToString("R", CultureInfo.InvariantCulture) ?? "-", .. l.Negatives])));
        if (_taggers.TryGetValue(key, out ImageTagger? cached))
        {
            return cached;
        }

        if (_taggers.Count >= Capacity)
        {
            _taggers.Clear();
        }

        return _taggers[key] = ImageTagger.Create(clip, labels, threshold);
    }
}
