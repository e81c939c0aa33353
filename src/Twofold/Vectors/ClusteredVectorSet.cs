
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
/// whenever the set holds k. Several queries share each probed cluster's pass (<see cref="SearchBatch"/>).
/// Searches may run concurrently with each other and with <see cref="Add"/>/<see cref="Remove"/> (one reader-writer lock).
/// </remarks>
public sealed unsafe class ClusteredVectorSet : IVectorSubset
{
    private const int InitialClusterCapacity = 16;

    private readonly VectorClusters _clusters;
    private readonly QuantizedPanelMatrix[]? _quantized;
    private readonly PanelMatrix[]? _matrices;
    private readonly int[][] _slotToId;
    private readonly int[] _sizes;
    private readonly int[] _idToSlot;
    /// <summary>
    /// A candidate of the quantised pass is keyed (cluster &lt;&lt; _slotBits) | slot, so re-scoring reads the row and the id
    /// where the scan found them instead of looking the id up in three arrays at random.
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
        _idToSlot = new int[IdCapacity];
        Array.Fill(_idToSlot, -1);
        var members = new int[clusters.Count];
        foreach (var c in clusters.Assignment) members[c]++;
        _slotBits = Math.Max(1, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)members.Max()));
        int clusterBits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(clusters.Count - 1));
        if (_slotBits + clusterBits > 31)
            throw new ArgumentException($"{clusters.Count} clusters of up to {members.Max()} members do not fit a 31-bit candidate key; use more, smaller clusters.", nameof(clusters));
    }

    public int Dimension { get; }

    public int IdCapacity { get; }

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

    public bool Add(int id, ReadOnlySpan<float> vector)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        Validation.CheckVector(vector, Dimension, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (_idToSlot[id] >= 0) return false;
            int c = _clusters.Assignment[id];
            int slot = _sizes[c];
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

    /// <summary>Removes <paramref name="id"/> by moving the last member of its cluster into its slot.</summary>
    public bool Remove(int id)
    {
        Validation.CheckId(id, IdCapacity, nameof(id));
        _lock.EnterWriteLock();
        try
        {
            int slot = _idToSlot[id];
            if (slot < 0) return false;
            int c = _clusters.Assignment[id];
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
    public Neighbor[][] SearchBatch(ReadOnlySpan<float> queries, int k)
    {
        int count = Validation.CheckMatrix(queries, Dimension, nameof(queries));
        Validation.CheckK(k);
        int wanted = _quantized is null ? k : CompactVectorSet.CandidateFactor * k;
        var heaps = new TopKBuffer[count];
        for (int j = 0; j < count; j++) heaps[j] = new TopKBuffer(k);
        _lock.EnterReadLock();
        try
        {
            var probed = new int[count][];
            for (int j = 0; j < count; j++) probed[j] = ChooseClusters(queries.Slice(j * Dimension, Dimension), wanted);
            var byCluster = GroupByCluster(probed);
            if (_quantized is not null) ScanQuantised(queries, count, byCluster, heaps, wanted);
            else fixed (float* q = queries) ScanFloats(q, byCluster, heaps);
        }
        finally { _lock.ExitReadLock(); }
        var result = new Neighbor[count][];
        for (int j = 0; j < count; j++) result[j] = heaps[j].ToSortedArray();
        return result;
    }

    /// <summary>
    /// The <see cref="Probes"/> non-empty clusters whose centroids score highest against the query, and more in that
    /// order while the chosen ones hold fewer than <paramref name="wanted"/> members.
    /// </summary>
    private int[] ChooseClusters(ReadOnlySpan<float> query, int wanted)
    {
        int clusters = _clusters.Count;
        var scores = new float[clusters];
        var centroids = _clusters.Centroids.AsSpan();
        for (int c = 0; c < clusters; c++) scores[c] = _sizes[c] == 0 ? float.NegativeInfinity : VectorKernels.Dot(query, centroids.Slice(c * Dimension, Dimension));
        var best = new TopKBuffer(Probes);
        for (int c = 0; c < clusters; c++) if (_sizes[c] > 0 && scores[c] >= best.Threshold) best.Push(scores[c], c);
        var chosen = best.ToSortedArray();
        long members = 0;
        foreach (var n in chosen) members += _sizes[n.Id];
        if (members >= wanted || chosen.Length == clusters) return [.. chosen.Select(n => n.Id)];
        // Too few members in the nearest clusters: take the rest in centroid order until enough.
        var order = Enumerable.Range(0, clusters).Where(c => _sizes[c] > 0).OrderByDescending(c => scores[c]).ThenBy(c => c).ToArray();
        var taken = new List<int>();
        members = 0;
        foreach (var c in order)
        {
            taken.Add(c);
            members += _sizes[c];
            if (taken.Count >= Probes && members >= wanted) break;
        }
        return [.. taken];
    }

    /// <summary>
    /// The probed clusters in visiting order, each with the queries that probe it: all queries' nearest clusters
    /// first, then their second nearest, and so on, so each query meets its best members early and its top-k
    /// threshold rises before the farther clusters are scanned (fewer candidates pushed).
    /// </summary>
    private List<(int Cluster, List<int> Queries)> GroupByCluster(int[][] probed)
    {
        var byCluster = new List<int>?[_clusters.Count];
        var order = new List<(int, List<int>)>();
        int deepest = probed.Max(p => p.Length);
        for (int rank = 0; rank < deepest; rank++)
            for (int j = 0; j < probed.Length; j++)
            {
                if (rank >= probed[j].Length) continue;
                int c = probed[j][rank];
                if (byCluster[c] is null) order.Add((c, byCluster[c] = []));
                byCluster[c]!.Add(j);
            }
        return order;
    }

    /// <summary>The 8-bit pass over the probed clusters for the <paramref name="wanted"/> best ids of each query, re-scored exactly.</summary>
    private void ScanQuantised(ReadOnlySpan<float> queries, int count, List<(int Cluster, List<int> Queries)> byCluster, TopKBuffer[] heaps, int wanted)
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
        foreach (var (c, probing) in byCluster)
        {
            for (int i = 0; i < probing.Count; i++)
            {
                someQueries[i] = quantized[probing[i]];
                someHeaps[i] = candidates[probing[i]];
            }
            _quantized![c].ScanBatch(someQueries.AsSpan(0, probing.Count), someHeaps.AsSpan(0, probing.Count), _sizes[c], c << _slotBits);
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
        }
    }

    /// <summary>The exact float scan of the probed clusters (without AVX-512, or without scales).</summary>
    private void ScanFloats(float* queries, List<(int Cluster, List<int> Queries)> byCluster, TopKBuffer[] heaps)
    {
        foreach (var (c, probing) in byCluster)
        {
            foreach (int j in probing) _matrices![c].Scan(queries + (long)j * Dimension, _sizes[c], heaps[j], _slotToId[c], null);
        }
    }
}
