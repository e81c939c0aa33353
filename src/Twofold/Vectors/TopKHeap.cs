namespace Twofold.Vectors;

/// <summary>
/// Bounded selection of the k best (score, id) pairs: a binary min-heap whose root is the worst kept pair.
/// Callers compare against <see cref="Threshold"/> before calling <see cref="TryPush"/>, so the common case
/// (a score below the k-th best) costs one comparison and never touches the heap.
/// </summary>
public sealed class TopKHeap
{
    private readonly float[] _scores;
    private readonly int[] _ids;

    public TopKHeap(int k)
    {
        Validation.CheckK(k);
        K = k;
        _scores = new float[k];
        _ids = new int[k];
    }

    public int K { get; }

    public int Count { get; private set; }

    /// <summary>The score a candidate must reach to possibly enter: the k-th best so far, or −∞ while not full.</summary>
    public float Threshold => Count < K ? float.NegativeInfinity : _scores[0];

    public void Clear() => Count = 0;

    /// <summary>Offers a pair; returns true if it was kept. Ties on score keep the smaller id.</summary>
    public bool TryPush(float score, int id)
    {
        if (Count < K)
        {
            int i = Count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (!Worse(score, id, _scores[parent], _ids[parent])) break;
                _scores[i] = _scores[parent];
                _ids[i] = _ids[parent];
                i = parent;
            }
            _scores[i] = score;
            _ids[i] = id;
            return true;
        }
        if (!Neighbor.RanksBefore(score, id, _scores[0], _ids[0])) return false;
        SiftDown(score, id);
        return true;
    }

    private void SiftDown(float score, int id)
    {
        int n = Count, i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n) break;
            int right = child + 1;
            if (right < n && Worse(_scores[right], _ids[right], _scores[child], _ids[child])) child = right;
            if (!Worse(_scores[child], _ids[child], score, id)) break;
            _scores[i] = _scores[child];
            _ids[i] = _ids[child];
            i = child;
        }
        _scores[i] = score;
        _ids[i] = id;
    }

    private static bool Worse(float s1, int id1, float s2, int id2) => Neighbor.RanksBefore(s2, id2, s1, id1);

    /// <summary>The kept pairs, best first (score descending, id ascending). Leaves the heap unchanged.</summary>
    public Neighbor[] ToSortedArray()
    {
        var result = new Neighbor[Count];
        for (int i = 0; i < Count; i++) result[i] = new Neighbor(_ids[i], _scores[i]);
        Array.Sort(result, static (a, b) => Neighbor.RanksBefore(a.Score, a.Id, b.Score, b.Id) ? -1 : Neighbor.RanksBefore(b.Score, b.Id, a.Score, a.Id) ? 1 : 0);
        return result;
    }
}
