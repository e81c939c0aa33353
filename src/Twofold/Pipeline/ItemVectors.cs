using Twofold.Vectors;

namespace Twofold.Pipeline;

/// <summary>
/// The two-tower item embeddings of a catalogue that grows by uploads, and the user-side index over them: a base index
/// — the bundle's item graph over the model's items when it has one (<see cref="ModelBundle.ItemGraph"/>), else an exact
/// index over the items of the last full build — and a small exact one over the items added since, searched together. Growing
/// writes only the added rows (into a buffer shared along the chain of grown pipelines, doubled when full) and rebuilds
/// only the small index, so an upload's cost does not grow with the catalogue. Items without an embedding (see
/// <see cref="ItemEmbeddingFallback"/>) keep a zero row, which searches pass over.
/// </summary>
internal sealed class ItemVectors
{
    private readonly float[] _buffer;
    private readonly bool[] _missing;
    private readonly RowsHandedOut _shared;
    private readonly Func<float[], int, IdFilter?, Neighbor[]> _base;
    private readonly int _baseRows;
    private readonly int _baseMissing;
    private readonly FlatIndex? _recent;
    private readonly int _recentMissing;

    private ItemVectors(float[] buffer, bool[] missing, int rows, int dimension, RowsHandedOut shared,
        Func<float[], int, IdFilter?, Neighbor[]> baseIndex, int baseRows, int baseMissing)
    {
        _buffer = buffer;
        _missing = missing;
        Rows = rows;
        Dimension = dimension;
        _shared = shared;
        _base = baseIndex;
        _baseRows = baseRows;
        _baseMissing = baseMissing;
        if (rows <= baseRows) return;
        _recent = new FlatIndex(buffer.AsSpan(baseRows * dimension, (rows - baseRows) * dimension), dimension);
        _recentMissing = missing.AsSpan(baseRows, rows - baseRows).Count(true);
    }

    public int Rows { get; }
    public int Dimension { get; }

    /// <summary>The rows, row-major.</summary>
    public ReadOnlyMemory<float> Embeddings => _buffer.AsMemory(0, Rows * Dimension);

    public ReadOnlySpan<float> Row(int item) => _buffer.AsSpan(item * Dimension, Dimension);

    /// <summary>Whether <paramref name="item"/> has an embedding (its row is zero otherwise).</summary>
    public bool HasEmbedding(int item) => !_missing[item];

    /// <summary>A full build: <paramref name="graph"/> over its rows and an exact index over the rest, or one exact index over all rows.</summary>
    /// <param name="missing">Per row, whether the item has no embedding.</param>
    /// <param name="graph">An index over the first rows (ids = rows), which all have embeddings; null for none.</param>
    public static ItemVectors Build(float[] rows, int dimension, bool[] missing, HnswIndex? graph = null)
    {
        var count = rows.Length / dimension;
        if (missing.Length != count) throw new ArgumentException($"{missing.Length} missing flags for {count} rows.", nameof(missing));
        if (graph is null)
        {
            var exact = new FlatIndex(rows, dimension);
            return new ItemVectors(rows, missing, count, dimension, new RowsHandedOut(count), (q, k, f) => exact.Search(q, k, f), count, missing.AsSpan().Count(true));
        }
        if (graph.Dimension != dimension || graph.NodeCount > count || missing.AsSpan(0, graph.NodeCount).Contains(true))
            throw new ArgumentException($"The graph's {graph.NodeCount} vectors of {graph.Dimension} floats are not the first embedded rows of {count} of {dimension}.", nameof(graph));
        return new ItemVectors(rows, missing, count, dimension, new RowsHandedOut(count), (q, k, f) => graph.Search(q, k, f), graph.NodeCount, 0);
    }

    /// <summary>
    /// These rows followed by <paramref name="fill"/>'s rows for items <see cref="Rows"/> … <paramref name="rows"/> − 1;
    /// <paramref name="fill"/> answers false for an item it has no embedding for.
    /// </summary>
    public ItemVectors Grow(int rows, Func<int, Span<float>, bool> fill)
    {
        if (rows < Rows) throw new ArgumentException($"Cannot grow {Rows} rows to {rows}.", nameof(rows));
        lock (_shared)
        {
            var buffer = _buffer;
            var missing = _missing;
            var shared = _shared;
            if (shared.Rows != Rows || buffer.Length < rows * Dimension)
            {
                var capacity = Math.Max(rows, 2 * Rows);
                buffer = new float[capacity * Dimension];
                _buffer.AsSpan(0, Rows * Dimension).CopyTo(buffer);
                missing = new bool[capacity];
                _missing.AsSpan(0, Rows).CopyTo(missing);
                shared = new RowsHandedOut(Rows);
            }
            for (var item = Rows; item < rows; item++)
            {
                var row = buffer.AsSpan(item * Dimension, Dimension);
                row.Clear();
                missing[item] = !fill(item, row);
                if (missing[item]) row.Clear();
            }
            shared.Rows = rows;
            return new ItemVectors(buffer, missing, rows, Dimension, shared, _base, _baseRows, _baseMissing);
        }
    }

    /// <summary>The <paramref name="k"/> items with the largest inner product with <paramref name="query"/> among those <paramref name="filter"/> admits.</summary>
    public Neighbor[] Search(float[] query, int k, IdFilter? filter)
    {
        // Rows without an embedding are searched for and then dropped: asking for as many more keeps k exact.
        var found = _base(query, k + _baseMissing, filter);
        if (_baseMissing > 0) found = [.. found.Where(n => !_missing[n.Id]).Take(k)];
        if (_recent is null) return found;
        var recent = _recent.Search(query, filter is null ? Math.Min(k + _recentMissing, _recent.Count) : _recent.Count)
            .Select(n => new Neighbor(n.Id + _baseRows, n.Score))
            .Where(n => !_missing[n.Id] && (filter is null || (n.Id < filter.Capacity && filter.Contains(n.Id))));
        return found.Concat(recent).OrderByDescending(n => n.Score).ThenBy(n => n.Id).Take(k).ToArray();
    }

    /// <summary>How many rows of a buffer are handed out (a grow from an earlier instance must not overwrite later rows).</summary>
    private sealed class RowsHandedOut(int rows)
    {
        public int Rows { get; set; } = rows;
    }
}
