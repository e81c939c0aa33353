using System.Buffers;

namespace Twofold.Vectors;

/// <summary>
/// An inverted-file (IVF) subset: the ids' vectors are partitioned by fixed k-means clusters (<see cref="VectorClusters"/>),
/// each cluster keeps its present members compacted like a <see cref="CompactVectorSet"/> (swap-remove, O(d)), and a
/// search scans only the members of the <see cref="Probes"/> clusters whose centroids score highest against the query
/// by inner product. The filter is the set itself: a removed id is in no cluster and is never scanned.
/// </summary>
/// <remarks>
/// The result is approximate (a true neighbour in an unprobed cluster is missed; docs/ann.md has the measured recall)
/// but its scores are exact: with quantisation scales (and AVX-512) the probed members are scanned in 8 bits for the
/// <see cref="CompactVectorSet.CandidateFactor"/>·k best, which are then re-scored in floats, as in the compacted set;
/// otherwise they are scanned in floats. When the probed clusters hold fewer than that many members (late in a day,
/// when most users are full), further clusters are probed in centroid order until they do, so a search returns k ids
/// whenever the set holds k. Several queries share each probed cluster's pass (<see cref="SearchBatch(ReadOnlySpan{float}, int)"/>).
/// Searches may run concurrently with each other and with <see cref="Add"/>/<see cref="Remove"/> (one reader-writer lock).
/// The ids can grow past those the clusters were trained on (<see cref="GrowIds"/>): a later id joins the cluster of
/// its nearest centroid, so a catalogue's uploads are searched like its trained items, and a <see cref="Snapshot"/>
/// of a set that only grows lets a search see the members as they were (an older generation of the catalogue).
/// </remarks>
public sealed unsafe class ClusteredVectorSet : IVectorSubset
{
    private const int InitialClusterCapacity = 16;

    private readonly VectorClusters _clusters;
    private readonly QuantizedPanelMatrix[]? _quantized;
    private readonly PanelMatrix[]? _matrices;
    private readonly int[][] _slotToId;
    private readonly int[] _sizes;
    // The cluster of each id: the trained assignment, then (from GrowIds) each later id's nearest centroid once added.
    private int[] _assignment;
    private int[] _idToSlot;
    // Counts the removals, so a snapshot taken before one is refused (a removal reorders a cluster's slots).
    private long _removals;
    /// <summary>
    /// A candidate of the quantised pass is keyed (cluster &lt;&lt; _slotBits) | slot, so re-scoring reads the row and the id
    /// where the scan found them instead of looking the id up in three arrays at random. The slots take every bit the
    /// clusters leave (up to 2^21 members per cluster at a thousand clusters), as later ids make clusters grow.
    /// </summary>
    private readonly int _slotBits;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    /// <summary>An empty set for the ids the clusters were trained on (id i lies in cluster <see cref="VectorClusters.Assignment"/>[i]).</summary>
    /// <param name="probes">Clusters scanned per query (at least 1; more than the clusters means all).</param>
    /// <param name="quantisationScales">Per-dimension scales for the 8-bit first pass (<see cref="CompactVectorSet.QuantisationScales"/>), or null for floats only. Ignored without AVX-512.</param>
    public ClusteredVectorSet(VectorClusters clusters, int probes, float[]? quantisationScales = null)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentOutOfRangeException.ThrowIfLessThan(probes, 1);
        _clusters = clusters;
        Dimension = clusters.Dimension;
        IdCapacity = clusters.Assignment.Length;
        Probes = Math.Min(probes, clusters.Count);
        if (quantisationScales is not null)
        {
            if (quantisationScales.Length != Dimension || quantisationScales.Any(x => !(x > 0) || !float.IsFinite(x)))
                throw new ArgumentException($"Expected {Dimension} positive finite scales.", nameof(quantisationScales));
            if (QuantizedPanelMatrix.IsSupported)
                _quantized = [.. Enumerable.Range(0, clusters.Count).Select(_ => new QuantizedPanelMatrix(quantisationScales, InitialClusterCapacity))];
        }
        if (_quantized is null) _matrices = [.. Enumerable.Range(0, clusters.Count).Select(_ => new PanelMatrix(Dimension, InitialClusterCapacity))];
        _slotToId = [.. Enumerable.Range(0, clusters.Count).Select(_ => new int[InitialClusterCapacity])];
        _sizes = new int[clusters.Count];
        _assignment = clusters.Assignment;
        _idToSlot = new int[IdCapacity];
        Array.Fill(_idToSlot, -1);
        var members = new int[clusters.Count];
        foreach (var c in clusters.Assignment) members[c]++;
        int clusterBits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(clusters.Count - 1));
        _slotBits = 31 - clusterBits;
        if (members.Max() > MembersPerCluster)
            throw new ArgumentException($"{clusters.Count} clusters of up to {members.Max()} members do not fit a 31-bit candidate key; use more, smaller clusters.", nameof(clusters));
    }

    /// <summary>The most members a cluster can hold: its slots must fit the candidate keys beside the cluster's number.</summary>
    private long MembersPerCluster => 1L << _slotBits;

    public int Dimension { get; }

    public int IdCapacity { get; private set; }

    /// <summary>Clusters scanned per query, unless they hold too few members.</summary>
    public int Probes { get; }

    public int Clusters => _clusters.Count;

    /// <summary>True when searches take the quantised first pass.</summary>
    public bool IsQuantised => _quantized is not null;

    public int Count { get; private set; }

    /// <summary>Bytes held for vectors and maps (the centroids and the assignment belong to the clusters).</summary>
    public long MemoryBytes =>
        (_quantized?.Sum(m => m.Bytes) ?? 0) + (_matrices?.Sum(m => m.Bytes) ?? 0)
        + _slotToId.Sum(s => (long)s.Length * sizeof(int)) + (long)_idToSlot.Length * sizeof(int);

    public bool Contains(int id)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        _lock.EnterReadLock();
        try { return _idToSlot[id] >= 0; }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>
    /// Lets the set hold ids up to <paramref name="capacity"/> − 1; an id past those the clusters were trained on
    /// joins the cluster of its nearest centroid (<see cref="VectorClusters.Nearest"/>) when added.
    /// </summary>
    public void GrowIds(int capacity)
    {
        if (capacity <= IdCapacity) return;
        _lock.EnterWriteLock();
        try
        {
            if (capacity <= IdCapacity) return;
            // Doubling keeps a growth by one id at a time (a catalogue's uploads) amortised O(1).
            if (capacity > _idToSlot.Length) MakeIdRoom(Math.Max(capacity, 2 * _idToSlot.Length));
            IdCapacity = capacity;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>
    /// Room for <see cref="GrowIds"/> to reach <paramref name="capacity"/> without copying the id maps (a service makes it
    /// before its first upload); the ids the set may hold stay as they are.
    /// </summary>
    public void ReserveIds(int capacity)
    {
        _lock.EnterWriteLock();
        try
        {
            if (capacity > _idToSlot.Length) MakeIdRoom(capacity);
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>The id maps copied into ones of <paramref name="room"/> ids; under the write lock.</summary>
    private void MakeIdRoom(int room)
    {
        var idToSlot = new int[room];
        _idToSlot.CopyTo(idToSlot, 0);
        Array.Fill(idToSlot, -1, _idToSlot.Length, room - _idToSlot.Length);
        var assignment = new int[room]; // never the trained assignment itself, which belongs to the clusters
        _assignment.AsSpan(0, IdCapacity).CopyTo(assignment);
        (_idToSlot, _assignment) = (idToSlot, assignment);
    }

    public bool Add(int id, ReadOnlySpan<float> vector)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        Validation.CheckVector(vector, Dimension, nameof(vector));
        // Outside the lock: the centroids never change.
        int? nearest = id >= _clusters.Assignment.Length ? _clusters.Nearest(vector) : null;
        _lock.EnterWriteLock();
        try
        {
            if (_idToSlot[id] >= 0) return false;
            int c = nearest ?? _clusters.Assignment[id];
            int slot = _sizes[c];
            if (slot >= MembersPerCluster)
                throw new InvalidOperationException($"Cluster {c} holds {slot} members, the most a candidate key can address; rebuild with more clusters.");
            if (nearest is not null) _assignment[id] = c;
            if (_quantized is not null)
            {
                _quantized[c].EnsureCapacity(slot + 1);
                _quantized[c].SetRow(slot, vector);
            }
            else
            {
                _matrices![c].EnsureCapacity(slot + 1);
                _matrices[c].SetRow(slot, vector);
            }
            if (_slotToId[c].Length <= slot) Array.Resize(ref _slotToId[c], Math.Max(slot + 1, _slotToId[c].Length * 3 / 2));
            _slotToId[c][slot] = id;
            _idToSlot[id] = slot;
            _sizes[c] = slot + 1;
            Count++;
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>The cluster <paramref name="id"/> is in; −1 when it is not in the set.</summary>
    internal int ClusterOf(int id)
    {
        _lock.EnterReadLock();
        try { return _idToSlot[id] < 0 ? -1 : _assignment[id]; }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Removes <paramref name="id"/> by moving the last member of its cluster into its slot.</summary>
    public bool Remove(int id)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        _lock.EnterWriteLock();
        try
        {
            int slot = _idToSlot[id];
            if (slot < 0) return false;
            int c = _assignment[id];
            int last = _sizes[c] - 1;
            if (slot != last)
            {
                _quantized?[c].MoveRow(last, slot);
                _matrices?[c].MoveRow(last, slot);
                int moved = _slotToId[c][last];
                _slotToId[c][slot] = moved;
                _idToSlot[moved] = slot;
            }
            _idToSlot[id] = -1;
            _sizes[c] = last;
            Count--;
            _removals++;
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    public Neighbor[] Search(ReadOnlySpan<float> query, int k)
    {
        Validation.CheckVector(query, Dimension, nameof(query));
        return SearchBatch(query, k)[0];
    }

    /// <summary>
    /// Top-k for each of the row-major <paramref name="queries"/>: each probes its own clusters, and a cluster probed
    /// by several queries is scanned once for all of them.
    /// </summary>
    public Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k) => SearchBatch(queries, k, asOf: null);

    /// <summary>
    /// The members now, to search later as they are now: members added after it are not seen. Valid while nothing
    /// is removed (a search with it throws after a removal), which suits a set that only grows.
    /// </summary>
    public Snapshot TakeSnapshot()
    {
        _lock.EnterReadLock();
        try { return new Snapshot(this, [.. _sizes], _removals); }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>The members of a <see cref="ClusteredVectorSet"/> at one moment: each cluster's first slots.</summary>
    public sealed class Snapshot
    {
        internal Snapshot(ClusteredVectorSet set, int[] sizes, long removals) => (Set, Sizes, Removals) = (set, sizes, removals);

        internal ClusteredVectorSet Set { get; }
        internal int[] Sizes { get; }
        internal long Removals { get; }

        /// <summary>Members then.</summary>
        public int Count => Sizes.Sum();
    }

    /// <summary><see cref="SearchBatch(ReadOnlySpan{float}, int)"/> over the members as of <paramref name="asOf"/> (null: now).</summary>
    public Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k, Snapshot? asOf)
    {
        int count = Validation.CheckMatrix(queries, Dimension, nameof(queries));
        Validation.CheckK(k);
        if (asOf is not null && asOf.Set != this) throw new ArgumentException("The snapshot is of another set.", nameof(asOf));
        int wanted = _quantized is null ? k : CompactVectorSet.CandidateFactor * k;
        var heaps = new TopKBuffer[count];
        for (int j = 0; j < count; j++) heaps[j] = new TopKBuffer(k);
        _lock.EnterReadLock();
        try
        {
            if (asOf is not null && asOf.Removals != _removals)
                throw new InvalidOperationException("Members were removed since the snapshot: its clusters' slots no longer hold what they held.");
            // With no removal since, a cluster's first Sizes[c] slots still hold the members they held then.
            var sizes = asOf?.Sizes ?? _sizes;
            var probed = new int[count][];
            for (int j = 0; j < count; j++) probed[j] = ChooseClusters(queries.Slice(j * Dimension, Dimension), wanted, sizes);
            using var visits = new ClusterVisits(probed, _clusters.Count);
            if (_quantized is not null) ScanQuantised(queries, count, visits, heaps, wanted, sizes);
            else fixed (float* q = queries) ScanFloats(q, visits, heaps, sizes);
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

    /// <summary>
    /// The <see cref="Probes"/> non-empty clusters whose centroids score highest against the query, and more in that
    /// order while the chosen ones hold fewer than <paramref name="wanted"/> members.
    /// </summary>
    /// <param name="sizes">Each cluster's members searched.</param>
    private int[] ChooseClusters(ReadOnlySpan<float> query, int wanted, int[] sizes)
    {
        int clusters = _clusters.Count;
        var scores = ArrayPool<float>.Shared.Rent(clusters);
        try { return ChooseClusters(query, wanted, sizes, scores.AsSpan(0, clusters)); }
        finally { ArrayPool<float>.Shared.Return(scores); }
    }

    /// <param name="scores">Room for each cluster's centroid score.</param>
    private int[] ChooseClusters(ReadOnlySpan<float> query, int wanted, int[] sizes, Span<float> scores)
    {
        int clusters = scores.Length;
        var centroids = _clusters.Centroids.AsSpan();
        for (int c = 0; c < clusters; c++) scores[c] = sizes[c] == 0 ? float.NegativeInfinity : VectorKernels.Dot(query, centroids.Slice(c * Dimension, Dimension));
        Neighbor[] chosen;
        using (var best = new TopKBuffer(Probes))
        {
            for (int c = 0; c < clusters; c++) if (sizes[c] > 0 && scores[c] >= best.Threshold) best.Push(scores[c], c);
            chosen = best.ToSortedArray();
        }
        long members = 0;
        foreach (var n in chosen) members += sizes[n.Id];
        if (members >= wanted || chosen.Length == clusters) return [.. chosen.Select(n => n.Id)];
        // Too few members in the nearest clusters: take the rest in centroid order until enough.
        var order = new List<ulong>(clusters); // best centroid first, on equal scores the smaller cluster first
        for (int c = 0; c < clusters; c++) if (sizes[c] > 0) order.Add(RankKey.Of(scores[c], c));
        order.Sort();
        var taken = new List<int>();
        members = 0;
        foreach (var key in order)
        {
            var c = RankKey.Id(key);
            taken.Add(c);
            members += sizes[c];
            if (taken.Count >= Probes && members >= wanted) break;
        }
        return [.. taken];
    }

    /// <summary>The 8-bit pass over the probed clusters for the <paramref name="wanted"/> best ids of each query, re-scored exactly.</summary>
    private void ScanQuantised(ReadOnlySpan<float> queries, int count, ClusterVisits visits, TopKBuffer[] heaps, int wanted, int[] sizes)
    {
        var quantized = new QuantizedQuery[count];
        var candidates = new TopKBuffer[count];
        for (int j = 0; j < count; j++)
        {
            quantized[j] = _quantized![0].Quantize(queries.Slice(j * Dimension, Dimension));
            candidates[j] = new TopKBuffer(wanted);
        }
        var someQueries = new QuantizedQuery[count];
        var someHeaps = new TopKBuffer[count];
        for (int visit = 0; visit < visits.Count; visit++)
        {
            int c = visits.Cluster(visit);
            var probing = visits.Queries(visit);
            for (int i = 0; i < probing.Length; i++)
            {
                someQueries[i] = quantized[probing[i]];
                someHeaps[i] = candidates[probing[i]];
            }
            _quantized![c].ScanBatch(someQueries.AsSpan(0, probing.Length), someHeaps.AsSpan(0, probing.Length), sizes[c], c << _slotBits);
        }
        int slotMask = (1 << _slotBits) - 1;
        for (int j = 0; j < count; j++)
        {
            var query = queries.Slice(j * Dimension, Dimension);
            foreach (int key in candidates[j].Ids())
            {
                int c = key >> _slotBits, slot = key & slotMask;
                heaps[j].Push(VectorKernels.Dot(query, _quantized![c].Row(slot)), _slotToId[c][slot]);
            }
            candidates[j].Dispose();
        }
    }

    /// <summary>The exact float scan of the probed clusters (without AVX-512, or without scales).</summary>
    private void ScanFloats(float* queries, ClusterVisits visits, TopKBuffer[] heaps, int[] sizes)
    {
        for (int visit = 0; visit < visits.Count; visit++)
        {
            int c = visits.Cluster(visit);
            foreach (int j in visits.Queries(visit)) _matrices![c].Scan(queries + (long)j * Dimension, sizes[c], heaps[j], _slotToId[c], null);
        }
    }
}
