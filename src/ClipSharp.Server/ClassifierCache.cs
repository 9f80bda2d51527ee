using System.Collections.Concurrent;
using ClipSharp.ZeroShot;

namespace ClipSharp.Server;

/// <summary>
/// Zero-shot classifiers by label set and templates. A page sends the same labels with every request, and their
/// prompt embeddings cost far more than classifying one image, so they are computed once per server.
/// </summary>
internal sealed class ClassifierCache
{
    private const int Capacity = 32;
    private readonly ConcurrentDictionary<string, ZeroShotClassifier> _classifiers = new(StringComparer.Ordinal);

    /// <summary>Call inside the model gate: building a classifier runs the text tower.</summary>
    public ZeroShotClassifier Get(Clip clip, IReadOnlyList<string> labels, IReadOnlyList<string> templates)
    {
        string key = string.Join('\u001f', labels) + '\u001e' + string.Join('\u001f', templates);
        if (_classifiers.TryGetValue(key, out ZeroShotClassifier? cached))
        {
            return cached;
        }

        if (_classifiers.Count >= Capacity)
        {
            _classifiers.Clear();
        }

        return _classifiers[key] = ZeroShotClassifier.Create(clip, labels, templates);
    }
}
