using Twofold.Vectors;

namespace Twofold.Pipeline;

/// <summary>
/// The two-tower item embeddings of a catalogue that grows by uploads, and the user-side index over them: an exact
/// index over the items of the last full build and a small one over the items added since, searched together. Growing
/// writes only the added rows (into a buffer shared along the chain of grown pipelines, doubled when full) and rebuilds
/// only the small index, so an upload's cost does not grow with the catalogue.
/// </summary>
internal sealed class ItemVectors
{
    private readonly float[] _buffer;
    private readonly RowsHandedOut _shared;
    private readonly FlatIndex _base;
    private readonly int _baseRows;
    private readonly FlatIndex? _recent;

    private ItemVectors(float[] buffer, int rows, int dimension, RowsHandedOut shared, FlatIndex baseIndex, int baseRows)
    {
        _buffer = buffer;
        Rows = rows;
        Dimension = dimension;
        _shared = shared;
        _base = baseIndex;
        _baseRows = baseRows;
        if (rows > baseRows) _recent = new FlatIndex(buffer.AsSpan(baseRows * dimension, (rows - baseRows) * dimension), dimension);
    }

    public int Rows { get; }
    public int Dimension { get; }

    /// <summary>The rows, row-major.</summary>
    public ReadOnlyMemory<float> Embeddings => _buffer.AsMemory(0, Rows * Dimension);

    public ReadOnlySpan<float> Row(int item) => _buffer.AsSpan(item * Dimension, Dimension);

    /// <summary>A full build: one index over all rows.</summary>
    public static ItemVectors Build(float[] rows, int dimension)
    {
        var count = rows.Length / dimension;
        return new ItemVectors(rows, count, dimension, new RowsHandedOut(count), new FlatIndex(rows, dimension), count);
    }

    /// <summary>These rows followed by <paramref name="fill"/>'s rows for items <see cref="Rows"/> … <paramref name="rows"/> − 1.</summary>
    public ItemVectors Grow(int rows, Action<int, Span<float>> fill)
    {
        if (rows < Rows) throw new ArgumentException($"Cannot grow {Rows} rows to {rows}.", nameof(rows));
        lock (_shared)
        {
            var buffer = _buffer;
            var shared = _shared;
            if (shared.Rows != Rows || buffer.Length < rows * Dimension)
            {
                buffer = new float[Math.Max(rows, 2 * Rows) * Dimension];
                _buffer.AsSpan(0, Rows * Dimension).CopyTo(buffer);
                shared = new RowsHandedOut(Rows);
            }
            for (var item = Rows; item < rows; item++)
            {
                var row = buffer.AsSpan(item * Dimension, Dimension);
                row.Clear();
                fill(item, row);
            }
            shared.Rows = rows;
            return new ItemVectors(buffer, rows, Dimension, shared, _base, _baseRows);
        }
    }

    /// <summary>The <paramref name="k"/> items with the largest inner product with <paramref name="query"/> among those <paramref name="filter"/> admits.</summary>
    public Neighbor[] Search(float[] query, int k, IdFilter? filter)
    {
        var found = _base.Search(query, k, filter);
        if (_recent is null) return found;
        var recent = _recent.Search(query, filter is null ? Math.Min(k, _recent.Count) : _recent.Count)
            .Select(n => new Neighbor(n.Id + _baseRows, n.Score))
            .Where(n => filter is null || (n.Id < filter.Capacity && filter.Contains(n.Id)));
        return found.Concat(recent).OrderByDescending(n => n.Score).ThenBy(n => n.Id).Take(k).ToArray();
    }

    /// <summary>How many rows of a buffer are handed out (a grow from an earlier instance must not overwrite later rows).</summary>
    private sealed class RowsHandedOut(int rows)
    {
        public int Rows { get; set; } = rows;
    }
}
