namespace Twofold.Vectors;

/// <summary>
/// Exact maximum-inner-product search over a fixed matrix, one query or a batch at a time, optionally restricted
/// to the ids an <see cref="IdFilter"/> admits. Rows are stored in the panel layout (see <see cref="VectorKernels"/>);
/// ids are row numbers. Searches may run concurrently with each other and with changes to the filter.
/// </summary>
public sealed unsafe class FlatIndex
{
    private readonly PanelMatrix _matrix;

    /// <summary>Copies <paramref name="rows"/> (row-major, <paramref name="dimension"/> floats per row).</summary>
    public FlatIndex(ReadOnlySpan<float> rows, int dimension)
    {
        Count = Validation.CheckMatrix(rows, dimension, nameof(rows));
        Dimension = dimension;
        _matrix = new PanelMatrix(dimension, Count);
        for (int r = 0; r < Count; r++) _matrix.SetRow(r, rows.Slice(r * dimension, dimension));
    }

    public int Count { get; }

    public int Dimension { get; }

    /// <summary>Bytes held for the vectors (panel layout, padded to a multiple of 16 rows).</summary>
    public long MemoryBytes => _matrix.Bytes;

    /// <summary>The stored row <paramref name="id"/>.</summary>
    public float[] GetVector(int id)
    {
        Validation.CheckId(id, Count, nameof(id));
        var row = new float[Dimension];
        _matrix.GetRow(id, row);
        return row;
    }

    /// <summary>The <paramref name="k"/> rows with the largest inner product with <paramref name="query"/>, best first.</summary>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k, IdFilter? filter = null)
    {
        Validation.CheckVector(query, Dimension, nameof(query));
        Validation.CheckK(k);
        CheckFilter(filter);
        using var heap = new TopKBuffer(k);
        fixed (float* q = query) _matrix.Scan(q, Count, heap, null, filter);
        return heap.ToSortedArray();
    }

    /// <summary>
    /// Every row's score with <paramref name="query"/> into <paramref name="buffer"/>, row r reported as
    /// <paramref name="ids"/>[r]: for a caller that merges several indexes into one top-k.
    /// </summary>
    internal void ScanInto(ReadOnlySpan<float> query, TopKBuffer buffer, int[] ids)
    {
        Validation.CheckVector(query, Dimension, nameof(query));
        if (ids.Length != Count) throw new ArgumentException($"Expected an id for each of {Count} rows, got {ids.Length}.", nameof(ids));
        fixed (float* q = query) _matrix.Scan(q, Count, buffer, ids, null);
    }

    /// <summary>Exact top-k for each of the row-major <paramref name="queries"/> (blocked; faster per query than one at a time).</summary>
    public Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k, IdFilter? filter = null)
    {
        int count = Validation.CheckMatrix(queries, Dimension, nameof(queries));
        Validation.CheckK(k);
        CheckFilter(filter);
        var heaps = new TopKBuffer[count];
        for (int j = 0; j < count; j++) heaps[j] = new TopKBuffer(k);
        fixed (float* q = queries) _matrix.ScanBatch(q, count, Count, heaps, null, filter);
        var result = new Neighbor[count][];
        for (int j = 0; j < count; j++)
        {
            result[j] = heaps[j].ToSortedArray();
            heaps[j].Dispose();
        }
        return result;
    }

    private void CheckFilter(IdFilter? filter)
    {
        if (filter is not null && filter.Capacity < Count)
            throw new ArgumentException($"The filter covers {filter.Capacity} ids but the index holds {Count}.", nameof(filter));
    }
}
