namespace ClipSharp.Search;

/// <summary>
/// The k best (highest score) candidates seen so far. Ties go to the lower index so that every engine and every
/// batch split returns the same list.
/// </summary>
internal sealed class TopK
{
    private static readonly Comparer<Neighbor> s_worstFirst = Comparer<Neighbor>.Create(
        (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Index.CompareTo(a.Index));

    private readonly PriorityQueue<Neighbor, Neighbor> _heap;
    private readonly int _k;

    public TopK(int k)
    {
        _k = k;
        _heap = new PriorityQueue<Neighbor, Neighbor>(k + 1, s_worstFirst);
    }

    public int Count => _heap.Count;

    /// <summary>The lowest score kept once k are held, else −∞: anything below it would be rejected.</summary>
    public float Worst => _heap.Count < _k ? float.NegativeInfinity : _heap.Peek().Score;

    public void Offer(int index, float score)
    {
        if (float.IsNaN(score))
        {
            return;
        }

        var candidate = new Neighbor(index, score);
        if (_heap.Count < _k)
        {
            _heap.Enqueue(candidate, candidate);
        }
        else if (s_worstFirst.Compare(candidate, _heap.Peek()) > 0)
        {
            _heap.EnqueueDequeue(candidate, candidate);
        }
    }

    /// <summary>Best first.</summary>
    public Neighbor[] ToArray()
    {
        var result = new Neighbor[_heap.Count];
        for (int i = result.Length - 1; i >= 0; i--)
        {
            result[i] = _heap.Dequeue();
        }

        return result;
    }
}
