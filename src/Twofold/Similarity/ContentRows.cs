using Twofold.Data;
using Twofold.Domain;
using Twofold.Vectors;

namespace Twofold.Similarity;

/// <summary>
/// The normalised content embeddings of a catalogue's items: what <see cref="ContentSimilarity.Extend"/> compares each
/// added item with, kept between extensions so that an upload costs one search rather than normalising the catalogue
/// again. The search is the graph index <see cref="ContentSimilarity.ComputeGrowable"/>
/// built for a large catalogue, into which every grow inserts its rows (at 470,000 items an exact scan reads 60 MB per
/// upload); without one, an exact scan. Each instance is immutable; <see cref="Grow"/> writes into the shared buffer
/// only past the longest instance handed out so far (doubling it when full), so a grow from an earlier instance copies
/// instead of disturbing a later one; such a grow, and a search from an instance the index has since outgrown, scan
/// exactly, as the index then holds rows that instance does not.
/// </summary>
public sealed class ContentRows
{
    private readonly float[] _rows;
    private readonly int[] _ids;
    private readonly HandedOutRows<RowsWithValues<int>> _shared;
    private readonly HnswIndex? _graph;

    private ContentRows(float[] rows, int[] ids, int count, int itemCount, int dimension, HandedOutRows<RowsWithValues<int>> shared, HnswIndex? graph)
    {
        if (graph is not null && (graph.NodeCount != count || graph.Dimension != dimension))
            throw new ArgumentException($"The graph holds {graph.NodeCount} rows of {graph.Dimension}, not the {count} of {dimension} given.", nameof(graph));
        _graph = graph;
        _rows = rows;
        _ids = ids;
        Count = count;
        ItemCount = itemCount;
        Dimension = dimension;
        _shared = shared;
    }

    public static ContentRows Empty => new([], [], 0, 0, 0, new HandedOutRows<RowsWithValues<int>>(0, RowsWithValues<int>.Empty), null);

    /// <summary>The normalised rows of the embedded items <paramref name="ids"/> of a catalogue of <paramref name="itemCount"/> items; row r is node r of <paramref name="graph"/>.</summary>
    internal static ContentRows Of(float[] rows, int[] ids, int itemCount, int dimension, HnswIndex? graph) =>
        new(rows, ids, ids.Length, itemCount, dimension, new HandedOutRows<RowsWithValues<int>>(ids.Length, new RowsWithValues<int>(rows, ids)), graph);

    /// <summary>Items of the catalogue covered (with or without an embedding).</summary>
    public int ItemCount { get; }

    /// <summary>Covered items that have an embedding.</summary>
    public int Count { get; }

    /// <summary>Whether searches go through the graph index (rather than an exact scan).</summary>
    internal bool SearchesGraph => _graph is { } graph && graph.NodeCount == Count;

    /// <summary>The embeddings' length; 0 until the first embedded item.</summary>
    public int Dimension { get; }

    /// <summary>These rows plus <paramref name="catalogue"/>'s items from <see cref="ItemCount"/> on (the earlier ones must be the ones covered).</summary>
    public ContentRows Grow(IReadOnlyList<Item> catalogue)
    {
        if (catalogue.Count < ItemCount) throw new ArgumentException($"The catalogue has {catalogue.Count} items; {ItemCount} are covered already.", nameof(catalogue));
        var added = new List<Item>();
        var dimension = Dimension;
        for (var i = ItemCount; i < catalogue.Count; i++)
        {
            if (catalogue[i].ContentEmbedding is not { } vector) continue;
            if (dimension == 0) dimension = vector.Length;
            if (vector.Length != dimension)
                throw new ArgumentException($"Item {catalogue[i].ExternalId} has a {vector.Length}-dimensional content embedding; the first one has {dimension}.", nameof(catalogue));
            added.Add(catalogue[i]);
        }
        lock (_shared)
        {
            var shared = _shared;
            var needed = Count + added.Count;
            var arrays = shared.IsLatest(Count) ? shared.Buffers : null;
            if (arrays is null || arrays.Capacity < needed)
            {
                arrays = new RowsWithValues<int>(_rows, _ids).Copy(Count, dimension, Math.Max(needed, Math.Max(1024, 2 * Count)));
                shared = new HandedOutRows<RowsWithValues<int>>(Count, arrays);
            }
            var (rows, ids) = (arrays.Rows, arrays.Values);
            // The index grows with the newest instance only (a node per row); a grow from an older one scans from then on.
            var graph = _graph is not null && _graph.NodeCount == Count ? _graph : null;
            for (var a = 0; a < added.Count; a++)
            {
                var row = rows.AsSpan((Count + a) * dimension, dimension);
                ContentSimilarity.Normalize(added[a].ContentEmbedding!, row);
                ids[Count + a] = added[a].Id.Value;
                graph?.Add(row);
            }
            shared.Rows = needed;
            return new ContentRows(rows, ids, needed, catalogue.Count, dimension, shared, graph);
        }
    }

    /// <summary>
    /// Room for <see cref="Grow"/> to reach <paramref name="rows"/> embedded items without copying: when these rows are the
    /// longest handed out and their arrays (and the graph index's) are smaller, they are copied now into ones of that
    /// size, which the next growth writes into (these rows go on reading their own).
    /// </summary>
    internal void ReserveRoom(int rows)
    {
        lock (_shared)
        {
            if (!_shared.IsLatest(Count) || Dimension == 0) return;
            if (_shared.Buffers.Capacity < rows) _shared.Buffers = _shared.Buffers.Copy(Count, Dimension, rows);
            if (_graph is not null && _graph.NodeCount == Count) _graph.Reserve(rows);
        }
    }

    /// <summary>The <paramref name="k"/> covered items most similar (cosine) to <paramref name="item"/>'s embedding, best first, without the item.</summary>
    public (int[] Neighbors, float[] Scores) Similar(Item item, int k)
    {
        if (item.ContentEmbedding is null || Count == 0) return ([], []);
        var query = new float[Dimension];
        ContentSimilarity.Normalize(item.ContentEmbedding, query);
        if (SearchesGraph)
        {
            var near = _graph!.Search(query, Math.Min(k + 1, Count)).Where(n => _ids[n.Id] != item.Id.Value).Take(k).ToArray();
            return (near.Select(n => _ids[n.Id]).ToArray(), near.Select(n => n.Score).ToArray());
        }
        var heap = new TopKHeap(k);
        for (var r = 0; r < Count; r++)
        {
            if (_ids[r] == item.Id.Value) continue;
            heap.TryPush(VectorKernels.Dot(query, _rows.AsSpan(r * Dimension, Dimension)), _ids[r]);
        }
        var found = heap.ToSortedArray();
        return (found.Select(n => n.Id).ToArray(), found.Select(n => n.Score).ToArray());
    }
}
