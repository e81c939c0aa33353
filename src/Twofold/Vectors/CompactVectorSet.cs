namespace Twofold.Vectors;

/// <summary>
/// The available set kept as a compacted matrix: only admitted vectors are stored, contiguously, so an exact scan
/// reads exactly the available users and nothing else. Removing an id moves the last row into its slot
/// (swap-remove, O(d)); an id↔slot map makes <see cref="Remove"/> and <see cref="Contains"/> O(1).
/// </summary>
/// <remarks>
/// Searches may run concurrently with each other and with <see cref="Add"/>/<see cref="Remove"/>: a reader-writer
/// lock makes every search see the set either before or after each change. Results are ordered by score descending,
/// then id ascending, independent of slot order.
/// <para>
/// With quantisation scales (and AVX-512), the set keeps its rows as 8-bit integers in panels and as floats row by
/// row instead (<see cref="QuantizedPanelMatrix"/>): a search first scans the bytes, a quarter of the float scan's,
/// for the <see cref="CandidateFactor"/>·k best approximate scores, then scores these candidates exactly and returns
/// the k best. The scores returned are exact; a row can only be missed when quantisation moves it from the exact top
/// k to below the approximate top 2k (docs/ann.md).
/// </para>
/// </remarks>
public sealed unsafe class CompactVectorSet : IVectorSubset
{
    /// <summary>Candidates re-scored exactly per result wanted, when the first pass is quantised.</summary>
    public const int CandidateFactor = 2;

    // Exactly one of the two holds the rows.
    private readonly PanelMatrix? _matrix;
    private readonly QuantizedPanelMatrix? _quantized;
    private readonly int[] _idToSlot;
    private int[] _slotToId;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    /// <summary>An empty set for ids in [0, <paramref name="idCapacity"/>).</summary>
    /// <param name="quantisationScales">Per-dimension scales for the quantised first pass (see
    /// <see cref="QuantisationScales"/>), or null to scan in floats only. Ignored without AVX-512.</param>
    public CompactVectorSet(int dimension, int idCapacity, float[]? quantisationScales = null)
    {
        Validation.CheckDimension(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(idCapacity);
        Dimension = dimension;
        IdCapacity = idCapacity;
        var capacity = Math.Min(idCapacity, 1024);
        if (quantisationScales is not null)
        {
            if (quantisationScales.Length != dimension || quantisationScales.Any(x => !(x > 0) || !float.IsFinite(x)))
                throw new ArgumentException($"Expected {dimension} positive finite scales.", nameof(quantisationScales));
            if (QuantizedPanelMatrix.IsSupported) _quantized = new QuantizedPanelMatrix(quantisationScales, capacity);
        }
        if (_quantized is null) _matrix = new PanelMatrix(dimension, capacity);
        _idToSlot = new int[idCapacity];
        Array.Fill(_idToSlot, -1);
        _slotToId = new int[StoredCapacity];
    }

    private int StoredCapacity => _matrix?.Capacity ?? _quantized!.Capacity;

    /// <summary>Scales for a quantised set that will hold rows like <paramref name="rows"/>: each dimension's largest magnitude maps to ±127.</summary>
    public static float[] QuantisationScales(ReadOnlySpan<float> rows, int dimension)
    {
        Validation.CheckMatrix(rows, dimension, nameof(rows));
        return QuantizedPanelMatrix.ScalesFor(rows, dimension);
    }

    /// <summary>True when searches take the quantised first pass.</summary>
    public bool IsQuantised => _quantized is not null;

    /// <summary>A set holding row i of <paramref name="rows"/> as id i, for every id <paramref name="admitted"/> lets through (all when null).</summary>
    public static CompactVectorSet FromMatrix(ReadOnlySpan<float> rows, int dimension, IdFilter? admitted = null)
    {
        int count = Validation.CheckMatrix(rows, dimension, nameof(rows));
        if (admitted is not null && admitted.Capacity < count)
            throw new ArgumentException($"The filter covers {admitted.Capacity} ids but the matrix has {count} rows.", nameof(admitted));
        var set = new CompactVectorSet(dimension, count);
        set.Reserve(admitted?.Count ?? count);
        for (int id = 0; id < count; id++)
        {
            if (admitted is null || admitted.ContainsUnchecked(id)) set.AddUnchecked(id, rows.Slice(id * dimension, dimension));
        }
        return set;
    }

    public int Dimension { get; }

    public int IdCapacity { get; }

    /// <summary>Number of ids currently in the set.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes held for vectors and maps.</summary>
    public long MemoryBytes => (_matrix?.Bytes ?? 0) + (_quantized?.Bytes ?? 0) + (long)(_idToSlot.Length + _slotToId.Length) * sizeof(int);

    public bool Contains(int id)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        _lock.EnterReadLock();
        try { return _idToSlot[id] >= 0; }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Adds <paramref name="id"/> with <paramref name="vector"/>; returns false (and changes nothing) if already present.</summary>
    public bool Add(int id, ReadOnlySpan<float> vector)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        Validation.CheckVector(vector, Dimension, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (_idToSlot[id] >= 0) return false;
            Reserve(Count + 1);
            AddUnchecked(id, vector);
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Removes <paramref name="id"/> by moving the last row into its slot; returns false if it was absent.</summary>
    public bool Remove(int id)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        _lock.EnterWriteLock();
        try
        {
            int slot = _idToSlot[id];
            if (slot < 0) return false;
            int last = Count - 1;
            if (slot != last)
            {
                _matrix?.MoveRow(last, slot);
                _quantized?.MoveRow(last, slot);
                int moved = _slotToId[last];
                _slotToId[slot] = moved;
                _idToSlot[moved] = slot;
            }
            _idToSlot[id] = -1;
            Count = last;
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Top-k among the ids in the set, best first: exact, or exact scores of the quantised pass's candidates.</summary>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k)
    {
        Validation.CheckVector(query, Dimension, nameof(query));
        return SearchBatch(query, k)[0];
    }

    /// <summary>Top-k among the ids in the set for each of the row-major <paramref name="queries"/> (see <see cref="Search"/>).</summary>
    public Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k)
    {
        int count = Validation.CheckMatrix(queries, Dimension, nameof(queries));
        Validation.CheckK(k);
        var heaps = new TopKBuffer[count];
        for (int j = 0; j < count; j++) heaps[j] = new TopKBuffer(k);
        _lock.EnterReadLock();
        try
        {
            if (_quantized is not null) SearchQuantised(queries, count, heaps, k);
            else if (count == 1) fixed (float* q = queries) _matrix!.Scan(q, Count, heaps[0], _slotToId, null);
            else fixed (float* q = queries) _matrix!.ScanBatch(q, count, Count, heaps, _slotToId, null);
        }
        finally { _lock.ExitReadLock(); }
        var result = new Neighbor[count][];
        for (int j = 0; j < count; j++)
        {
            result[j] = heaps[j].ToSortedArray();
            heaps[j].Dispose();
        }
        return result;
    }

    /// <summary>The quantised pass's best <see cref="CandidateFactor"/>·k slots per query, re-scored exactly into <paramref name="heaps"/>.</summary>
    private void SearchQuantised(ReadOnlySpan<float> queries, int count, TopKBuffer[] heaps, int k)
    {
        var candidates = new TopKBuffer[count];
        for (int j = 0; j < count; j++) candidates[j] = new TopKBuffer(CandidateFactor * k);
        _quantized!.ScanBatch(queries, count, Count, candidates);
        for (int j = 0; j < count; j++)
        {
            var query = queries.Slice(j * Dimension, Dimension);
            foreach (int slot in candidates[j].Ids())
                heaps[j].Push(VectorKernels.Dot(query, _quantized.Row(slot)), _slotToId[slot]);
            candidates[j].Dispose();
        }
    }

    private void Reserve(int rows)
    {
        _matrix?.EnsureCapacity(rows);
        _quantized?.EnsureCapacity(rows);
        if (_slotToId.Length < StoredCapacity) Array.Resize(ref _slotToId, StoredCapacity);
    }

    private void AddUnchecked(int id, ReadOnlySpan<float> vector)
    {
        int slot = Count;
        _matrix?.SetRow(slot, vector);
        _quantized?.SetRow(slot, vector);
        _slotToId[slot] = id;
        _idToSlot[id] = slot;
        Count = slot + 1;
    }
}
