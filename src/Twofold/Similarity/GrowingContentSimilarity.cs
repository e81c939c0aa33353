using Twofold.Domain;
using Twofold.Vectors;

namespace Twofold.Similarity;

/// <summary>
/// Content similarity S^I kept up to date while the catalogue grows (items are only ever added): what
/// <see cref="ContentSimilarity.Compute"/> gives for the whole catalogue, without recomputing it every time.
/// </summary>
/// <remarks>
/// Up to <see cref="ContentSimilarity.DefaultExactUpTo"/> embedded items the whole catalogue is recomputed exactly
/// (cheap at that size, and exactly what <see cref="ContentSimilarity.Compute"/> gives). Above it, as there, the answer
/// is approximate, through a graph index (HNSW) that is kept and grown: each new item is inserted into the index and
/// searched for its neighbours, and it enters the list of each neighbour it found whose k-th score it beats (similarity
/// is symmetric, so the items a new item is close to are the ones whose lists it belongs in). An old item's list thus
/// only changes through new items that found it — the approximation of an incremental kNN graph; the cost of growing
/// is the new items', not the catalogue's. The index and each new item's search are <see cref="ContentRows"/>', the
/// same as a service's uploads get through <see cref="ContentSimilarity.Extend"/>; what this class adds is the update
/// of the old items' lists, which the service's shared, append-only lists do not take.
/// </remarks>
public sealed class GrowingContentSimilarity
{
    private readonly int _topK;
    private readonly HnswOptions? _graphOptions;
    private readonly int _exactUpTo;
    private readonly List<(int[] Neighbors, float[] Scores)> _lists = [];
    private ContentRows? _rows; // the normalised embeddings and their graph index, once past the exact size

    public GrowingContentSimilarity(int topK, HnswOptions? graphOptions = null, int exactUpTo = ContentSimilarity.DefaultExactUpTo)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "At least one neighbour must be kept.");
        _topK = topK;
        _graphOptions = graphOptions;
        _exactUpTo = exactUpTo;
    }

    /// <summary>The lists of the catalogue last given to <see cref="Update"/>.</summary>
    public NeighborLists Current { get; private set; } = NeighborLists.FromPerNode([]);

    /// <summary>Brings the lists up to <paramref name="catalogue"/>, which must extend the one given before.</summary>
    public NeighborLists Update(IReadOnlyList<Item> catalogue)
    {
        var known = _lists.Count;
        if (catalogue.Count < known) throw new ArgumentException($"The catalogue shrank from {known} to {catalogue.Count} items; it may only grow.", nameof(catalogue));
        if (catalogue.Count == known && known > 0) return Current;
        var embedded = 0;
        foreach (var item in catalogue)
            if (item.ContentEmbedding is not null) embedded++;
        if (_rows is null)
        {
            // Up to the exact size: the whole catalogue, exactly. The first time past it: the whole catalogue through
            // a new graph index (ContentSimilarity's), kept for growing.
            Current = embedded <= _exactUpTo
                ? ContentSimilarity.Compute(catalogue, _topK, _graphOptions, _exactUpTo)
                : ContentSimilarity.ComputeGrowable(catalogue, _topK, out _rows, _graphOptions, exactUpTo: 0);
            _lists.Clear();
            for (var i = 0; i < catalogue.Count; i++) _lists.Add((Current.Neighbors(i).ToArray(), Current.Scores(i).ToArray()));
            return Current;
        }
        Grow(catalogue, known);
        Current = NeighborLists.FromPerNode(_lists);
        return Current;
    }

    private void Grow(IReadOnlyList<Item> catalogue, int known)
    {
        // All added items enter the index before any is searched, so new items find each other as well as the old ones.
        var rows = _rows = _rows!.Grow(catalogue);
        var added = Enumerable.Range(known, catalogue.Count - known).ToArray();
        var found = new (int[] Neighbors, float[] Scores)[added.Length];
        Parallel.For(0, added.Length, Parallelism.PerCore(), n => found[n] = rows.Similar(catalogue[added[n]], _topK));
        for (var n = 0; n < added.Length; n++)
        {
            var item = added[n];
            _lists.Add(found[n]);
            for (var j = 0; j < found[n].Neighbors.Length; j++)
            {
                var other = found[n].Neighbors[j];
                if (other >= known) continue; // a new item's own list came from its search
                _lists[other] = Insert(_lists[other], item, found[n].Scores[j], _topK);
            }
        }
    }

    /// <summary>The list with (item, score) in its place, best first, cut to k; unchanged when it does not make the cut.</summary>
    private static (int[] Neighbors, float[] Scores) Insert((int[] Neighbors, float[] Scores) list, int item, float score, int k)
    {
        var (neighbors, scores) = list;
        if (neighbors.Length >= k && score <= scores[^1]) return list;
        var at = 0;
        while (at < scores.Length && scores[at] >= score) at++;
        var length = Math.Min(k, neighbors.Length + 1);
        var newNeighbors = new int[length];
        var newScores = new float[length];
        for (int from = 0, to = 0; to < length; to++)
        {
            if (to == at)
            {
                newNeighbors[to] = item;
                newScores[to] = score;
                continue;
            }
            newNeighbors[to] = neighbors[from];
            newScores[to] = scores[from];
            from++;
        }
        return (newNeighbors, newScores);
    }
}
