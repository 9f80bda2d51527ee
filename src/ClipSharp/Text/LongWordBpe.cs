namespace ClipSharp.Text;

/// <summary>
/// The same BPE as <see cref="ClipBpe"/>'s library merger (lowest rank first, the leftmost of equal ranks, '&lt;/w&gt;'
/// on the last symbol), for words too long for it: the library compacts the merged symbols by removing each from an
/// array, which is quadratic, so a word of a million letters took minutes. Here the symbols are a linked list and
/// the pending merges a priority queue, so a word of n symbols costs O(n log n).
/// </summary>
internal sealed class LongWordBpe
{
    private readonly Dictionary<string, int> _encoder;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Id)> _merges = [];

    public LongWordBpe(ClipVocabulary vocabulary)
    {
        _encoder = vocabulary.Encoder;
        for (int rank = 0; rank < vocabulary.Merges.Count; rank++)
        {
            (string first, string second) = vocabulary.Merges[rank];
            if (_encoder.TryGetValue(first, out int left) && _encoder.TryGetValue(second, out int right)
                && _encoder.TryGetValue(first + second, out int merged))
            {
                _merges.TryAdd((left, right), (rank, merged));
            }
        }
    }

    /// <summary>Ids of one word given in byte-level characters (one symbol per character).</summary>
    public int[] EncodeWord(string byteLevelWord)
    {
        int n = byteLevelWord.Length;
        if (n == 0)
        {
            return [];
        }

        var symbols = new int[n];
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            string symbol = i == n - 1 ? byteLevelWord[i] + ClipVocabulary.EndOfWord : byteLevelWord[i].ToString();
            symbols[i] = _encoder[symbol];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }

        // Entries: (position, left id, right id) by (rank, position); an entry whose symbols have changed since is stale.
        var queue = new PriorityQueue<(int Pos, int Left, int Right), (int Rank, int Pos)>();
        for (int i = 0; i + 1 < n; i++)
        {
            Enqueue(queue, symbols, i, i + 1);
        }

        var alive = new bool[n];
        Array.Fill(alive, true);
        while (queue.TryDequeue(out var entry, out _))
        {
            int right = next[entry.Pos];
            if (!alive[entry.Pos] || right < 0 || symbols[entry.Pos] != entry.Left || symbols[right] != entry.Right)
            {
                continue;
            }

            symbols[entry.Pos] = _merges[(entry.Left, entry.Right)].Id;
            alive[right] = false;
            next[entry.Pos] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = entry.Pos;
                Enqueue(queue, symbols, entry.Pos, next[right]);
            }

            if (prev[entry.Pos] >= 0)
            {
                Enqueue(queue, symbols, prev[entry.Pos], entry.Pos);
            }
        }

        var ids = new List<int>();
        for (int i = 0; i >= 0; i = next[i])
        {
            ids.Add(symbols[i]);
        }

        return [.. ids];
    }

    private void Enqueue(PriorityQueue<(int, int, int), (int, int)> queue, int[] symbols, int left, int right)
    {
        if (_merges.TryGetValue((symbols[left], symbols[right]), out var merge))
        {
            queue.Enqueue((left, symbols[left], symbols[right]), (merge.Rank, left));
        }
    }
}
