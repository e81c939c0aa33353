using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Twofold.Vectors;

/// <summary>
/// Hierarchical navigable small-world graph (Malkov &amp; Yashunin, 2018) for maximum-inner-product search, with
/// incremental insert, delete and re-insert, filtered search through an <see cref="IdFilter"/>, and a versioned
/// binary file format. Ids are dense node numbers 0, 1, 2, … in insertion order.
/// </summary>
/// <remarks>
/// <para>How points are linked is <see cref="HnswOptions.LinkMetric"/>: inner product (default, with kept pruned
/// connections, which holds recall when norms vary widely), cosine, or L2 after the MIPS-to-cosine transform; searches
/// always rank by inner product. docs/ann.md has the measured comparison.</para>
/// <para>A filtered search picks between the graph and an exact scan of the admitted ids by the admitted fraction
/// (<see cref="HnswOptions.ExactScanBelow"/>) and by the graph's measured recall (<see cref="GraphCalibration"/>,
/// taken at build: where it is below <see cref="HnswOptions.MinGraphRecall"/>, searches scan exactly). Searches run concurrently with each other and with changes to the
/// filter (see <see cref="IdFilter"/> for the guarantee); insert, delete and re-insert take an exclusive lock.</para>
/// </remarks>
public sealed unsafe partial class HnswIndex
{
    private const int MaxLevel = 31;

    private readonly int _m;
    private readonly int _m0;
    private readonly int _stride;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly ConcurrentBag<Scratch> _scratch = new();
    private readonly double _levelScale;

    // Working lists for link updates; only used under the write lock (or while building, single-threaded).
    private readonly List<(float Score, int Id)> _linkCandidates = new();
    private readonly List<(float Score, int Id)> _linkSelected = new();

    private AlignedFloats _vectors;
    private float[] _extra;
    private byte[] _levels;
    private int[] _links0;
    private int[] _upperOffset;
    private int[] _upperPool;
    private int _upperUsed;
    private readonly bool _hasExtra;
    private bool _keepPruned;
    private ulong[] _deleted;
    private int _capacity;
    private int _nodeCount;
    private int _deletedCount;
    private int _entry = -1;
    private int _topLevel = -1;
    private float _maxNorm2;
    private ulong _rng;

    /// <summary>An empty index for vectors of <paramref name="dimension"/> floats.</summary>
    public HnswIndex(int dimension, HnswOptions? options = null, int initialCapacity = 1024)
    {
        Validation.CheckDimension(dimension);
        Options = options ?? new HnswOptions();
        Options.Validate();
        Dimension = dimension;
        _m = Options.M;
        _m0 = 2 * Options.M;
        _stride = (dimension + 15) / 16 * 16;
        _levelScale = 1.0 / Math.Log(_m);
        _rng = (ulong)(uint)Options.Seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        _capacity = Math.Max(16, initialCapacity);
        _vectors = new AlignedFloats((long)_capacity * _stride);
        _hasExtra = Options.LinkMetric != LinkMetric.InnerProduct;
        _keepPruned = Options.KeepPrunedConnections ?? true;
        _extra = _hasExtra ? new float[_capacity] : [];
        _levels = new byte[_capacity];
        _links0 = new int[(long)_capacity * (_m0 + 1)];
        _upperOffset = new int[_capacity];
        _upperPool = new int[UpperPoolSize(_capacity)];
        _deleted = new ulong[(_capacity + 63) >> 6];
    }

    /// <summary>Builds an index over the row-major <paramref name="rows"/>; row i gets id i.</summary>
    public static HnswIndex Build(ReadOnlySpan<float> rows, int dimension, HnswOptions? options = null)
    {
        int count = Validation.CheckMatrix(rows, dimension, nameof(rows));
        var index = new HnswIndex(dimension, options, count);
        float max = 0;
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < count; i++)
        {
            float norm2 = Norm2(rows.Slice(i * dimension, dimension));
            max = Math.Max(max, norm2);
            sum += Math.Sqrt(norm2);
            sumSquares += norm2;
        }
        index._maxNorm2 = max;
        if (index.Options.KeepPrunedConnections is null && count > 1)
        {
            double mean = sum / count;
            double variance = Math.Max(0, sumSquares / count - mean * mean);
            index._keepPruned = mean > 0 && Math.Sqrt(variance) / mean > 0.05;
        }
        for (int i = 0; i < count; i++) index.AddUnchecked(rows.Slice(i * dimension, dimension));
        if (index.Options.CalibrationQueries > 0 && count > 0) index.Calibrate(index.Options.CalibrationQueries, seed: index.Options.Seed);
        return index;
    }

    public HnswOptions Options { get; }

    /// <summary>Whether this index keeps pruned connections (the resolved <see cref="HnswOptions.KeepPrunedConnections"/>).</summary>
    public bool KeepsPrunedConnections => _keepPruned;

    public int Dimension { get; }

    /// <summary>Number of nodes ever inserted (deleted ones included): ids are in [0, NodeCount).</summary>
    public int NodeCount => _nodeCount;

    /// <summary>Number of live (not deleted) points.</summary>
    public int Count => _nodeCount - _deletedCount;

    /// <summary>Bytes held by the index for its points (vectors, transform coordinate, links, levels, tombstones), excluding per-search scratch.</summary>
    public long MemoryBytes
    {
        get
        {
            long bytes = (long)_vectors.Length * sizeof(float) + _extra.Length * sizeof(float) + _levels.Length
                + _links0.LongLength * sizeof(int) + _deleted.Length * sizeof(ulong)
                + (_upperOffset.LongLength + _upperPool.LongLength) * sizeof(int);
            return bytes;
        }
    }

    public bool IsDeleted(int id)
    {
        Validation.CheckId(id, _nodeCount, nameof(id));
        return IsDeletedUnchecked(id);
    }

    /// <summary>A copy of the stored vector of <paramref name="id"/>.</summary>
    public float[] GetVector(int id)
    {
        Validation.CheckId(id, _nodeCount, nameof(id));
        // Under the read lock: a concurrent insert may replace the vector buffer.
        _lock.EnterReadLock();
        try { return new ReadOnlySpan<float>(Vector(id), Dimension).ToArray(); }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Inserts <paramref name="vector"/> and returns its id.</summary>
    public int Add(ReadOnlySpan<float> vector)
    {
        Validation.CheckVector(vector, Dimension, nameof(vector));
        _lock.EnterWriteLock();
        try { return AddUnchecked(vector); }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>
    /// Makes room for <paramref name="nodes"/> nodes now, so inserts up to that many do not copy the index's arrays
    /// (a growing index copies them, by half again, when full: the insert that finds it full pays for the copy).
    /// </summary>
    public void Reserve(int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodes);
        _lock.EnterWriteLock();
        try
        {
            EnsureCapacity(nodes);
            var upper = UpperPoolSize(nodes);
            if (upper > _upperPool.Length) Array.Resize(ref _upperPool, upper);
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Marks <paramref name="id"/> deleted: it stays in the graph for navigation but is never returned. Returns false if already deleted.</summary>
    public bool Delete(int id)
    {
        Validation.CheckId(id, _nodeCount, nameof(id));
        _lock.EnterWriteLock();
        try
        {
            if (IsDeletedUnchecked(id)) return false;
            _deleted[id >> 6] |= 1UL << (id & 63);
            _deletedCount++;
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>
    /// Gives <paramref name="id"/> the vector <paramref name="vector"/> and makes it live again (if deleted): the node
    /// keeps its level, gets fresh out-links found from the entry point, and is linked back from its new neighbours.
    /// </summary>
    public void Reinsert(int id, ReadOnlySpan<float> vector)
    {
        Validation.CheckId(id, _nodeCount, nameof(id));
        Validation.CheckVector(vector, Dimension, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            StoreVector(id, vector);
            if (IsDeletedUnchecked(id))
            {
                _deleted[id >> 6] &= ~(1UL << (id & 63));
                _deletedCount--;
            }
            if (_nodeCount > 1) Link(id, _levels[id], reinsert: true);
        }
        finally { _lock.ExitWriteLock(); }
    }

    private int AddUnchecked(ReadOnlySpan<float> vector)
    {
        int id = _nodeCount;
        EnsureCapacity(id + 1);
        int level = RandomLevel();
        _levels[id] = (byte)level;
        _upperOffset[id] = level > 0 ? AllocateUpper(level) : -1;
        _nodeCount = id + 1;
        StoreVector(id, vector);
        if (_entry < 0)
        {
            _entry = id;
            _topLevel = level;
            return id;
        }
        Link(id, level, reinsert: false);
        if (level > _topLevel)
        {
            _topLevel = level;
            _entry = id;
        }
        return id;
    }

    private void StoreVector(int id, ReadOnlySpan<float> vector)
    {
        vector.CopyTo(new Span<float>(Vector(id), Dimension));
        float norm2 = Norm2(vector);
        if (norm2 > _maxNorm2 && Options.LinkMetric == LinkMetric.MipsTransform)
        {
            // A longer vector than any so far: grow M with headroom and recompute every transform coordinate.
            _maxNorm2 = norm2 * 1.1f;
            for (int i = 0; i < _nodeCount; i++)
                if (i != id && _hasExtra) _extra[i] = ExtraFor(Norm2(new ReadOnlySpan<float>(Vector(i), Dimension)));
        }
        if (_hasExtra) _extra[id] = ExtraFor(norm2);
    }

    /// <summary>Per-point coordinate used while linking: the transform's √(M² − ‖x‖²), or 1/‖x‖ for cosine links.</summary>
    private float ExtraFor(float norm2) => Options.LinkMetric switch
    {
        LinkMetric.MipsTransform => MathF.Sqrt(Math.Max(0f, _maxNorm2 - norm2)),
        LinkMetric.Cosine => norm2 > 0 ? 1f / MathF.Sqrt(norm2) : 0f,
        _ => 0f,
    };

    private static float Norm2(ReadOnlySpan<float> v)
    {
        float s = 0;
        foreach (var x in v) s += x * x;
        return s;
    }

    private void EnsureCapacity(int nodes)
    {
        if (nodes <= _capacity) return;
        int next = Math.Max(nodes, _capacity + _capacity / 2);
        _vectors = _vectors.Resize((long)next * _stride);
        if (_hasExtra) Array.Resize(ref _extra, next);
        Array.Resize(ref _levels, next);
        Array.Resize(ref _links0, checked(next * (_m0 + 1)));
        Array.Resize(ref _upperOffset, next);
        Array.Resize(ref _deleted, (next + 63) >> 6);
        _capacity = next;
        _scratch.Clear();
    }

    private int RandomLevel()
    {
        ulong z = _rng += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        double u = ((z >> 11) + 1) * (1.0 / (1UL << 53));
        return Math.Min(MaxLevel, (int)(-Math.Log(u) * _levelScale));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float* Vector(int id) => _vectors.Pointer + (long)id * _stride;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsDeletedUnchecked(int id) => (_deleted[id >> 6] & (1UL << (id & 63))) != 0;

    /// <summary>The link block of <paramref name="id"/> at <paramref name="layer"/>: element 0 is the count, then the neighbours.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<int> Links(int id, int layer) => layer == 0
        ? _links0.AsSpan(id * (_m0 + 1), _m0 + 1)
        : _upperPool.AsSpan(_upperOffset[id] + (layer - 1) * (_m + 1), _m + 1);

    /// <summary>The upper layers' links for <paramref name="nodes"/> nodes, with a tenth to spare: a node has m + 1 slots per level above 0, and 1 / (m − 1) levels above 0 on average.</summary>
    private int UpperPoolSize(int nodes) => Math.Max(64, nodes / (_m - 1) * (_m + 1) * 11 / 10);

    /// <summary>Reserves zeroed link blocks for layers 1..<paramref name="level"/> in the shared upper-layer pool; returns the offset.</summary>
    private int AllocateUpper(int level)
    {
        int size = level * (_m + 1);
        if (_upperUsed + size > _upperPool.Length) Array.Resize(ref _upperPool, Math.Max(_upperUsed + size, _upperPool.Length * 3 / 2));
        int offset = _upperUsed;
        _upperPool.AsSpan(offset, size).Clear();
        _upperUsed += size;
        return offset;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Extra(int id) => _hasExtra ? _extra[id] : 0f;

    /// <summary>Link similarity between two stored points.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float NodeSimilarity(int a, int b) => Similarity(Vector(a), Extra(a), b, building: true);

    /// <summary>
    /// Inner product of <paramref name="q"/> with a node; while building, the link similarity instead
    /// (<paramref name="qExtra"/> is the query point's own extra coordinate).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Similarity(float* q, float qExtra, int node, bool building)
    {
        float dot = VectorKernels.Dot(q, Vector(node), Dimension);
        if (!building) return dot;
        return Options.LinkMetric switch
        {
            LinkMetric.MipsTransform => dot + qExtra * _extra[node],
            LinkMetric.Cosine => dot * qExtra * _extra[node],
            _ => dot,
        };
    }

    private void Link(int id, int level, bool reinsert)
    {
        var scratch = RentScratch();
        try
        {
            float* q = Vector(id);
            float qExtra = Extra(id);
            int ep = _entry;
            float epScore = Similarity(q, qExtra, ep, building: true);
            for (int layer = _topLevel; layer > level; layer--) ep = Greedy(q, qExtra, ep, ref epScore, layer, building: true);
            var found = new List<(float Score, int Id)>(Options.EfConstruction);
            var selected = new List<(float Score, int Id)>(_m0);
            for (int layer = Math.Min(level, _topLevel); layer >= 0; layer--)
            {
                found.Clear();
                SearchLayer(scratch, q, qExtra, ep, epScore, Options.EfConstruction, layer, null, exclude: id, found);
                found.Sort(static (a, b) => b.Score.CompareTo(a.Score));
                SelectNeighbours(found, layer == 0 ? _m + Options.CosineLinks : _m, selected, layer);
                var own = Links(id, layer);
                own[0] = selected.Count;
                for (int i = 0; i < selected.Count; i++) own[1 + i] = selected[i].Id;
                foreach (var (score, n) in selected) AddLink(n, id, score, layer, reinsert);
                if (found.Count > 0)
                {
                    ep = found[0].Id;
                    epScore = found[0].Score;
                }
            }
        }
        finally { _scratch.Add(scratch); }
    }

    /// <summary>
    /// HNSW's neighbour-selection heuristic (algorithm 4): keep a candidate only if it is closer to the base than to
    /// every kept one; with <see cref="HnswOptions.KeepPrunedConnections"/>, fill the remaining slots with the best
    /// pruned candidates, which keeps an inner-product graph navigable when norms vary (docs/ann.md).
    /// </summary>
    private void SelectNeighbours(List<(float Score, int Id)> sortedCandidates, int max, List<(float Score, int Id)> selected, int layer)
    {
        selected.Clear();
        int cosine = layer == 0 ? Math.Min(Options.CosineLinks, max) : 0;
        int byScore = max - cosine;
        foreach (var candidate in sortedCandidates)
        {
            if (selected.Count >= byScore) break;
            bool keep = true;
            foreach (var kept in selected)
            {
                if (NodeSimilarity(candidate.Id, kept.Id) > candidate.Score)
                {
                    keep = false;
                    break;
                }
            }
            if (keep) selected.Add(candidate);
        }
        if (_keepPruned)
        {
            foreach (var candidate in sortedCandidates)
            {
                if (selected.Count >= byScore) break;
                if (!selected.Contains(candidate)) selected.Add(candidate);
            }
        }
        if (cosine > 0 && selected.Count < sortedCandidates.Count)
        {
            // Directional neighbours regardless of norm: rank the rest by score / ‖c‖ (the base's norm is common).
            var rest = new List<(float Key, (float Score, int Id) Candidate)>();
            foreach (var candidate in sortedCandidates)
            {
                if (selected.Contains(candidate)) continue;
                float* v = Vector(candidate.Id);
                float norm = MathF.Sqrt(VectorKernels.Dot(v, v, Dimension));
                rest.Add((norm > 0 ? candidate.Score / norm : float.NegativeInfinity, candidate));
            }
            rest.Sort(static (a, b) => b.Key.CompareTo(a.Key));
            for (int i = 0; i < rest.Count && selected.Count < max; i++) selected.Add(rest[i].Candidate);
        }
    }

    private void AddLink(int node, int newNeighbour, float score, int layer, bool checkDuplicate)
    {
        var links = Links(node, layer);
        int count = links[0];
        int max = layer == 0 ? _m0 : _m;
        if (checkDuplicate && links.Slice(1, count).Contains(newNeighbour)) return;
        if (count < max)
        {
            links[1 + count] = newNeighbour;
            links[0] = count + 1;
            return;
        }
        var candidates = _linkCandidates;
        var selected = _linkSelected;
        candidates.Clear();
        candidates.Add((score, newNeighbour));
        for (int i = 1; i <= count; i++) candidates.Add((NodeSimilarity(node, links[i]), links[i]));
        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        SelectNeighbours(candidates, max, selected, layer);
        links[0] = selected.Count;
        for (int i = 0; i < selected.Count; i++) links[1 + i] = selected[i].Id;
    }

    private int Greedy(float* q, float qExtra, int ep, ref float epScore, int layer, bool building)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            var links = Links(ep, layer);
            int count = links[0];
            for (int i = 1; i <= count; i++)
            {
                int n = links[i];
                float s = Similarity(q, qExtra, n, building);
                if (s > epScore)
                {
                    epScore = s;
                    ep = n;
                    changed = true;
                }
            }
        }
        return ep;
    }

    /// <summary>
    /// Best-first search of one layer with a candidate list of <paramref name="ef"/>. Every node is explored, but only
    /// admitted ones (live and passing <paramref name="filter"/>; all when building) enter the results.
    /// </summary>
    private void SearchLayer(Scratch scratch, float* q, float qExtra, int ep, float epScore, int ef, int layer, IdFilter? filter, int exclude, List<(float Score, int Id)> output)
    {
        bool building = exclude >= 0;
        scratch.NewEpoch();
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        candidates.Clear();
        results.Clear();
        if (exclude >= 0) scratch.Visit(exclude);
        scratch.Visit(ep);
        candidates.Push(-epScore, ep);
        if (ep != exclude && (building || Admitted(ep, filter))) results.Push(epScore, ep);
        int* fresh = stackalloc int[_m0];
        while (candidates.Count > 0)
        {
            float best = -candidates.TopKey;
            if (results.Count >= ef && best < results.TopKey) break;
            int c = candidates.Pop();
            var links = Links(c, layer);
            int count = links[0];
            int freshCount = 0;
            for (int i = 1; i <= count; i++)
            {
                int n = links[i];
                if (scratch.Visit(n))
                {
                    fresh[freshCount++] = n;
                    if (Sse.IsSupported) Sse.Prefetch0(Vector(n));
                }
            }
            for (int i = 0; i < freshCount; i++)
            {
                int n = fresh[i];
                if (i + 1 < freshCount && Sse.IsSupported) Sse.Prefetch0(Vector(fresh[i + 1]) + 16);
                float s = Similarity(q, qExtra, n, building);
                if (results.Count < ef || s > results.TopKey)
                {
                    candidates.Push(-s, n);
                    if (building || Admitted(n, filter))
                    {
                        results.Push(s, n);
                        if (results.Count > ef) results.Pop();
                    }
                }
            }
        }
        while (results.Count > 0)
        {
            float s = results.TopKey;
            output.Add((s, results.Pop()));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Admitted(int id, IdFilter? filter) =>
        !IsDeletedUnchecked(id) && (filter is null || filter.ContainsUnchecked(id));

    private Scratch RentScratch() => _scratch.TryTake(out var s) && s.Capacity >= _capacity ? s : new Scratch(_capacity);

    /// <summary>Per-search working memory: visit marks by epoch and two heaps. Pooled per index.</summary>
    private sealed class Scratch
    {
        private readonly ushort[] _marks;
        private ushort _epoch;

        public Scratch(int capacity)
        {
            _marks = new ushort[capacity];
            Capacity = capacity;
        }

        public int Capacity { get; }

        public MinHeap Candidates { get; } = new();

        public MinHeap Results { get; } = new();

        public void NewEpoch()
        {
            if (++_epoch == 0)
            {
                Array.Clear(_marks);
                _epoch = 1;
            }
        }

        /// <summary>Marks <paramref name="id"/> visited; returns true if it was not visited before in this epoch.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Visit(int id)
        {
            ref ushort mark = ref _marks[id];
            if (mark == _epoch) return false;
            mark = _epoch;
            return true;
        }
    }

    /// <summary>A binary min-heap of (key, id); the candidate list stores negated scores to pop the best first.</summary>
    private sealed class MinHeap
    {
        private float[] _keys = new float[256];
        private int[] _ids = new int[256];

        public int Count { get; private set; }

        public float TopKey => _keys[0];

        public void Clear() => Count = 0;

        public void Push(float key, int id)
        {
            if (Count == _keys.Length)
            {
                Array.Resize(ref _keys, Count * 2);
                Array.Resize(ref _ids, Count * 2);
            }
            int i = Count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (_keys[parent] <= key) break;
                _keys[i] = _keys[parent];
                _ids[i] = _ids[parent];
                i = parent;
            }
            _keys[i] = key;
            _ids[i] = id;
        }

        public int Pop()
        {
            int top = _ids[0];
            int n = --Count;
            if (n == 0) return top;
            float key = _keys[n];
            int id = _ids[n];
            int i = 0;
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= n) break;
                if (child + 1 < n && _keys[child + 1] < _keys[child]) child++;
                if (_keys[child] >= key) break;
                _keys[i] = _keys[child];
                _ids[i] = _ids[child];
                i = child;
            }
            _keys[i] = key;
            _ids[i] = id;
            return top;
        }
    }
}
