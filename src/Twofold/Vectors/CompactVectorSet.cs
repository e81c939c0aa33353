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
/// </remarks>
public sealed unsafe class CompactVectorSet
{
    private readonly PanelMatrix _matrix;
    private readonly int[] _idToSlot;
    private int[] _slotToId;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    /// <summary>An empty set for ids in [0, <paramref name="idCapacity"/>).</summary>
    public CompactVectorSet(int dimension, int idCapacity)
    {
        Validation.CheckDimension(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(idCapacity);
        Dimension = dimension;
        IdCapacity = idCapacity;
        _matrix = new PanelMatrix(dimension, Math.Min(idCapacity, 1024));
        _idToSlot = new int[idCapacity];
        Array.Fill(_idToSlot, -1);
        _slotToId = new int[_matrix.Capacity];
    }

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
    public long MemoryBytes => _matrix.Bytes + (long)(_idToSlot.Length + _slotToId.Length) * sizeof(int);

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
                _matrix.MoveRow(last, slot);
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

    /// <summary>Exact top-k among the ids in the set, best first.</summary>
    public Neighbor[] Search(ReadOnlySpan<float> query, int k)
    {
        Validation.CheckVector(query, Dimension, nameof(query));
        Validation.CheckK(k);
        var heap = new TopKBuffer(k);
        _lock.EnterReadLock();
        try
        {
            fixed (float* q = query) _matrix.Scan(q, Count, heap, _slotToId, null);
        }
        finally { _lock.ExitReadLock(); }
        return heap.ToSortedArray();
    }

    /// <summary>Exact top-k among the ids in the set for each of the row-major <paramref name="queries"/>.</summary>
    public Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k)
    {
        int count = Validation.CheckMatrix(queries, Dimension, nameof(queries));
        Validation.CheckK(k);
        var heaps = new TopKBuffer[count];
        for (int j = 0; j < count; j++) heaps[j] = new TopKBuffer(k);
        _lock.EnterReadLock();
        try
        {
            fixed (float* q = queries) _matrix.ScanBatch(q, count, Count, heaps, _slotToId, null);
        }
        finally { _lock.ExitReadLock(); }
        var result = new Neighbor[count][];
        for (int j = 0; j < count; j++) result[j] = heaps[j].ToSortedArray();
        return result;
    }

    private void Reserve(int rows)
    {
        _matrix.EnsureCapacity(rows);
        if (_slotToId.Length < _matrix.Capacity) Array.Resize(ref _slotToId, _matrix.Capacity);
    }

    private void AddUnchecked(int id, ReadOnlySpan<float> vector)
    {
        int slot = Count;
        _matrix.SetRow(slot, vector);
        _slotToId[slot] = id;
        _idToSlot[id] = slot;
        Count = slot + 1;
    }
}
