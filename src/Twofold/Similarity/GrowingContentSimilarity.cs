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
/// is the new items', not the catalogue's.
/// </remarks>
public sealed class GrowingContentSimilarity
{
    private readonly int _topK;
    private readonly HnswOptions? _graphOptions;
    private readonly int _exactUpTo;
    private readonly List<(int[] Neighbors, float[] Scores)> _lists = [];
    private readonly List<int> _itemOfRow = [];
    private HnswIndex? _index;

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
        if (_index is null && embedded <= _exactUpTo)
        {
            Current = ContentSimilarity.Compute(catalogue, _topK, _graphOptions, _exactUpTo);
            _lists.Clear();
            for (var i = 0; i < catalogue.Count; i++) _lists.Add((Current.Neighbors(i).ToArray(), Current.Scores(i).ToArray()));
            return Current;
        }
        if (_index is null) StartIndex(catalogue);
        else Grow(catalogue, known);
        Current = NeighborLists.FromPerNode(_lists);
        return Current;
    }

    /// <summary>The first time past the exact size: the whole catalogue through a new index, as <see cref="ContentSimilarity.Compute"/> does.</summary>
    private void StartIndex(IReadOnlyList<Item> catalogue)
    {
        var rows = new List<float>();
        var dimension = 0;
        _lists.Clear();
        foreach (var item in catalogue)
        {
            _lists.Add(([], []));
            if (item.ContentEmbedding is not { } vector) continue;
            if (dimension == 0) dimension = vector.Length;
            if (vector.Length != dimension)
                throw new ArgumentException($"Item {item.ExternalId} has a {vector.Length}-dimensional content embedding; the first one has {dimension}.", nameof(catalogue));
            rows.AddRange(Normalized(vector));
            _itemOfRow.Add(item.Id.Value);
        }
        var matrix = rows.ToArray();
        var index = HnswIndex.Build(matrix, dimension, _graphOptions);
        var found = new Neighbor[_itemOfRow.Count][];
        Parallel.For(0, found.Length, r => found[r] = index.Search(matrix.AsSpan(r * dimension, dimension), _topK + 1));
        for (var r = 0; r < found.Length; r++)
        {
            var neighbors = found[r].Where(n => n.Id != r).Take(_topK).ToArray();
            _lists[_itemOfRow[r]] = (neighbors.Select(n => _itemOfRow[n.Id]).ToArray(), neighbors.Select(n => n.Score).ToArray());
        }
        _index = index;
    }

    private void Grow(IReadOnlyList<Item> catalogue, int known)
    {
        var index = _index!;
        var added = new List<(int Item, int Row, float[] Vector)>();
        for (var i = known; i < catalogue.Count; i++)
        {
            _lists.Add(([], []));
            if (catalogue[i].ContentEmbedding is not { } vector) continue;
            if (vector.Length != index.Dimension)
                throw new ArgumentException($"Item {catalogue[i].ExternalId} has a {vector.Length}-dimensional content embedding; the others have {index.Dimension}.", nameof(catalogue));
            var normalized = Normalized(vector);
            var row = index.Add(normalized);
            _itemOfRow.Add(i);
            added.Add((i, row, normalized));
        }
        // Searched after all are inserted, so new items find each other as well as the old ones.
        var found = new Neighbor[added.Count][];
        Parallel.For(0, added.Count, n => found[n] = index.Search(added[n].Vector, _topK + 1));
        for (var n = 0; n < added.Count; n++)
        {
            var (item, row, _) = added[n];
            var neighbors = found[n].Where(x => x.Id != row).Take(_topK).ToArray();
            _lists[item] = (neighbors.Select(x => _itemOfRow[x.Id]).ToArray(), neighbors.Select(x => x.Score).ToArray());
            foreach (var neighbor in neighbors)
            {
                var other = _itemOfRow[neighbor.Id];
                if (other >= known) continue; // a new item's own list came from its search
                _lists[other] = Insert(_lists[other], item, neighbor.Score, _topK);
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

    private static float[] Normalized(float[] vector)
    {
        var into = new float[vector.Length];
        ContentSimilarity.Normalize(vector, into);
        return into;
    }
}
