using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Twofold.Vectors;

public sealed unsafe partial class HnswIndex
{
    /// <summary>
    /// The (approximately, for graph search) <paramref name="k"/> ids with the largest inner product with
    /// <paramref name="query"/> among live ids admitted by <paramref name="filter"/> (all live ids when null), best first.
    /// </summary>
    /// <param name="ef">Candidate-list breadth for graph search; defaults to <see cref="HnswOptions.EfSearch"/>, raised to k.</param>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k, IdFilter? filter = null, SearchStrategy strategy = SearchStrategy.Auto, int? ef = null)
    {
        Validation.CheckVector(query, Dimension, nameof(query));
        Validation.CheckK(k);
        if (ef is { } e && e <= 0) throw new ArgumentOutOfRangeException(nameof(ef), e, "ef must be positive.");
        _lock.EnterReadLock();
        try
        {
            if (filter is not null && filter.Capacity < _nodeCount)
                throw new ArgumentException($"The filter covers {filter.Capacity} ids but the index holds {_nodeCount}.", nameof(filter));
            if (_nodeCount == 0) return [];
            var chosen = strategy == SearchStrategy.Auto ? ChooseStrategyUnlocked(filter) : strategy;
            fixed (float* q = query)
            {
                return chosen == SearchStrategy.Exact
                    ? ExactScan(q, k, filter)
                    : GraphSearch(q, k, filter, Math.Max(k, ef ?? Options.EfSearch));
            }
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The strategy <see cref="SearchStrategy.Auto"/> would use for <paramref name="filter"/> now.</summary>
    public SearchStrategy ChooseStrategy(IdFilter? filter)
    {
        _lock.EnterReadLock();
        try { return ChooseStrategyUnlocked(filter); }
        finally { _lock.ExitReadLock(); }
    }

    private SearchStrategy ChooseStrategyUnlocked(IdFilter? filter)
    {
        if (_nodeCount == 0) return SearchStrategy.Exact;
        double admitted = filter is null ? Count : Math.Min(filter.Count, _nodeCount);
        if (admitted < Options.ExactScanBelow * _nodeCount) return SearchStrategy.Exact;
        return GraphRecallSuffices(admitted / _nodeCount) ? SearchStrategy.Graph : SearchStrategy.Exact;
    }

    private Neighbor[] GraphSearch(float* q, int k, IdFilter? filter, int ef)
    {
        var scratch = RentScratch();
        try
        {
            int ep = _entry;
            float epScore = Similarity(q, 0f, ep, building: false);
            for (int layer = _topLevel; layer > 0; layer--) ep = Greedy(q, 0f, ep, ref epScore, layer, building: false);
            var found = new List<(float Score, int Id)>(ef);
            SearchLayer(scratch, q, 0f, ep, epScore, ef, 0, filter, exclude: -1, found);
            var heap = new TopKHeap(k);
            foreach (var (score, id) in found) if (score >= heap.Threshold) heap.TryPush(score, id);
            return heap.ToSortedArray();
        }
        finally { _scratch.Add(scratch); }
    }

    /// <summary>
    /// Exact scan of the live ids the filter admits: walks the filter's words (skipping empty ones), gathers admitted
    /// ids in chunks, and prefetches each row a few ids ahead, because the rows are not contiguous and the hardware
    /// prefetcher cannot follow the gaps.
    /// </summary>
    private Neighbor[] ExactScan(float* q, int k, IdFilter? filter)
    {
        const int Chunk = 256, Ahead = 8;
        using var heap = new TopKBuffer(k);
        float threshold = heap.Threshold;
        int* ids = stackalloc int[Chunk + 64];
        int words = (_nodeCount + 63) >> 6;
        int rowBytes = Dimension * sizeof(float);
        int w = 0;
        while (w < words)
        {
            int n = 0;
            for (; w < words && n < Chunk; w++)
            {
                ulong bits = ~_deleted[w];
                if (filter is not null) bits &= filter.ReadWord(w);
                int remaining = _nodeCount - (w << 6);
                if (remaining < 64) bits &= (1UL << remaining) - 1;
                while (bits != 0)
                {
                    ids[n++] = (w << 6) + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
            if (Sse.IsSupported)
                for (int i = 0; i < Math.Min(Ahead, n); i++) PrefetchRow(Vector(ids[i]), rowBytes);
            for (int i = 0; i < n; i++)
            {
                if (Sse.IsSupported && i + Ahead < n) PrefetchRow(Vector(ids[i + Ahead]), rowBytes);
                int id = ids[i];
                float s = VectorKernels.Dot(q, Vector(id), Dimension);
                if (s >= threshold)
                {
                    heap.Push(s, id);
                    threshold = heap.Threshold;
                }
            }
        }
        return heap.ToSortedArray();
    }

    private static void PrefetchRow(float* row, int bytes)
    {
        byte* p = (byte*)row;
        for (int o = 0; o < bytes; o += 64) Sse.Prefetch0(p + o);
    }
}
