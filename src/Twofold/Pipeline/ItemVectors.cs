using Twofold.Data;
using Twofold.Vectors;

namespace Twofold.Pipeline;

/// <summary>
/// The two-tower item embeddings of a catalogue that grows by uploads, and the user-side index over them: an exact
/// index over the items of the last full build and a small one over the items added since, searched together. From
/// <see cref="QuantisedFrom"/> items, unfiltered searches of the full build's items (a feed's) take
/// <see cref="CompactVectorSet"/>'s 8-bit first pass with exact re-scoring, which reads a quarter of the bytes: at
/// 468,694 items of d = 64 it answered a user query in 1.2 ms against the float scan's 7.1 ms, with the same top 200 for
/// 500 of 500 users (bench/README.md, "The user-side item search"). A graph index is no substitute here: user
/// embeddings are not items, and HNSW over the items, calibrated at 0.995 recall on item queries, found about a tenth
/// of a user query's top 200. Growing writes only the added rows (into a buffer shared along the chain of grown
/// pipelines, doubled when full) and rebuilds only the small index, so an upload's cost does not grow with the
/// catalogue. Items without an embedding (see <see cref="ItemEmbeddingFallback"/>) keep a zero row, which searches
/// pass over. From <see cref="FeedSearch"/>'s population (200,000 items) those searches scan only the members of the
/// k-means clusters nearest each query (<see cref="ClusteredVectorSet"/>, the creator side's search of the available users),
/// and each growth folds its uploads into those clusters (each joins its nearest centroid's), so an unfiltered search
/// costs the same whether the day has had a thousand uploads or millions; below that population, and for filtered
/// searches, the uploads since the full build are scanned exactly.
/// </summary>
internal sealed class ItemVectors
{
    /// <summary>Items of a full build from which unfiltered searches take the quantised first pass.</summary>
    public const int QuantisedFrom = 20_000;

    private readonly float[] _buffer;
    private readonly bool[] _missing;
    private readonly HandedOutRows<RowsWithValues<bool>> _shared;
    // Built on the first search that needs them: a pipeline that searches its items another way (the simulator's,
    // through an index of the servable items) never pays for them.
    private readonly Lazy<FlatIndex> _base;
    private readonly Lazy<QuantisedSearch?> _quantisedBase;
    // Shared along the chain of generations grown one from the latest; null on a branch grown from an older
    // generation, whose uploads cannot join the clusters (they hold the other chain's uploads under the same ids).
    private readonly UploadFolding? _folding;
    // The clustered set as this generation's rows are in it; null when its uploads were not folded (they are then
    // scanned exactly, and the set is searched as of the full build).
    private readonly ClusteredVectorSet.Snapshot? _folded;
    private readonly int _baseRows;
    private readonly int _baseMissing;
    // The items added since the full build, in blocks: full blocks are sealed and shared by every later growth, and
    // only the last, partial block is rebuilt by a growth. One index over all of them, rebuilt by each growth, had
    // allocated about a megabyte per upload after a few thousand uploads (on the pinned heap, collected with gen 2).
    // A block's index is built by the first search that scans it: once the uploads are in the clusters only filtered
    // searches do, and a service issues none, so its growths no longer copy the partial block's rows each time.
    private const int RecentBlockRows = 256;
    private readonly RecentBlock[] _recentBlocks;
    private readonly int _sealedBlocks;
    private readonly int _recentRows;
    private readonly int _recentMissing;

    /// <summary>
    /// An exact index over rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of
    /// <paramref name="buffer"/> (rows that never change once handed out), built when first scanned, and how many of
    /// them have no embedding.
    /// </summary>
    private sealed class RecentBlock(float[] buffer, int first, int count, int dimension, int missing)
    {
        private readonly Lazy<(FlatIndex Index, int[] Ids)> _index =
            new(() => (new FlatIndex(buffer.AsSpan(first * dimension, count * dimension), dimension), [.. Enumerable.Range(first, count)]));

        public int Missing { get; } = missing;

        public void ScanInto(float[] query, TopKBuffer best)
        {
            var (index, ids) = _index.Value;
            index.ScanInto(query, best, ids);
        }
    }

    /// <summary>The full build's quantised set, and (when clustered) its members as built, before any upload joined.</summary>
    private sealed record QuantisedSearch(IVectorSubset Set, ClusteredVectorSet.Snapshot? AsBuilt);

    /// <summary>How far a chain of generations has grown, and up to which row its uploads are in the clustered set.</summary>
    private sealed class UploadFolding(int rows)
    {
        public int LatestRows { get; set; } = rows;
        public int FoldedRows { get; set; } = rows;
    }

    private ItemVectors(float[] buffer, bool[] missing, int rows, int dimension, HandedOutRows<RowsWithValues<bool>> shared, Lazy<FlatIndex> baseIndex,
        Lazy<QuantisedSearch?> quantisedBase, int baseRows, int baseMissing, IReadOnlyList<RecentBlock> sealedBlocks,
        UploadFolding? folding, ClusteredVectorSet.Snapshot? folded)
    {
        _quantisedBase = quantisedBase;
        _folding = folding;
        _folded = folded;
        _buffer = buffer;
        _missing = missing;
        Rows = rows;
        Dimension = dimension;
        _shared = shared;
        _base = baseIndex;
        _baseRows = baseRows;
        _baseMissing = baseMissing;
        _recentRows = Math.Max(0, rows - baseRows);
        _sealedBlocks = _recentRows / RecentBlockRows;
        var blocks = sealedBlocks.Take(_sealedBlocks).ToList(); // a block's rows never change once written
        for (var b = blocks.Count; b < (_recentRows + RecentBlockRows - 1) / RecentBlockRows; b++)
        {
            var (first, count) = (baseRows + b * RecentBlockRows, Math.Min(RecentBlockRows, _recentRows - b * RecentBlockRows));
            blocks.Add(new RecentBlock(buffer, first, count, dimension, missing.AsSpan(first, count).Count(true)));
        }
        _recentBlocks = [.. blocks];
        _recentMissing = blocks.Sum(b => b.Missing);
    }

    public int Rows { get; }
    public int Dimension { get; }

    /// <summary>The rows, row-major.</summary>
    public ReadOnlyMemory<float> Embeddings => _buffer.AsMemory(0, Rows * Dimension);

    public ReadOnlySpan<float> Row(int item) => _buffer.AsSpan(item * Dimension, Dimension);

    /// <summary>Whether <paramref name="item"/> has an embedding (its row is zero otherwise).</summary>
    public bool HasEmbedding(int item) => !_missing[item];

    /// <summary>
    /// How a feed's unfiltered search of a large catalogue goes through k-means clusters instead of the 8-bit scan of
    /// every item: the creator side's search of the available users, over the items. On the trained 1,000,000-user
    /// bundle (468,694 items) with user queries it kept recall@200 at 1.0000 (worst query 0.995) in 0.12–0.15 ms per
    /// query against the 8-bit scan's 0.85–1.19 ms (bench/README.md, "The user-side item search").
    /// </summary>
    public static ClusteredSearchOptions FeedSearch { get; } = new();

    /// <summary>A full build: one index over all rows.</summary>
    /// <param name="missing">Per row, whether the item has no embedding.</param>
    /// <param name="clustered">When unfiltered searches go through clusters (null: <see cref="FeedSearch"/>).</param>
    public static ItemVectors Build(float[] rows, int dimension, bool[] missing, ClusteredSearchOptions? clustered = null)
    {
        var count = rows.Length / dimension;
        if (missing.Length != count) throw new ArgumentException($"{missing.Length} missing flags for {count} rows.", nameof(missing));
        clustered ??= FeedSearch;
        // The first `count` rows of the buffer never change (growing writes past them), so building later reads the same rows.
        var exact = new Lazy<FlatIndex>(() => new FlatIndex(rows.AsSpan(0, count * dimension), dimension));
        var quantised = new Lazy<QuantisedSearch?>(() => count >= QuantisedFrom ? Quantised(rows, count, dimension, missing, clustered) : null);
        return new ItemVectors(rows, missing, count, dimension, new HandedOutRows<RowsWithValues<bool>>(count, new RowsWithValues<bool>(rows, missing)), exact, quantised, count, missing.AsSpan().Count(true), [],
            new UploadFolding(count), folded: null);
    }

    /// <summary>
    /// The rows with an embedding (row r as id r) in a set searched by an 8-bit first pass with exact re-scoring: of the
    /// probed clusters' members when <paramref name="clustered"/> applies to this many rows, otherwise of every row
    /// (null then without AVX-512: it would scan the same floats).
    /// </summary>
    /// <param name="missing">Rows to leave out.</param>
    private static QuantisedSearch? Quantised(float[] rows, int count, int dimension, bool[] missing, ClusteredSearchOptions clustered)
    {
        var scales = CompactVectorSet.QuantisationScales(rows.AsSpan(0, count * dimension), dimension);
        IVectorSubset set;
        if (clustered.Applies(count))
        {
            set = clustered.Build(rows.AsSpan(0, count * dimension), dimension, scales);
        }
        else
        {
            var compact = new CompactVectorSet(dimension, count, scales);
            if (!compact.IsQuantised) return null;
            set = compact;
        }
        for (var r = 0; r < count; r++)
            if (!missing[r]) set.Add(r, rows.AsSpan(r * dimension, dimension));
        return new QuantisedSearch(set, (set as ClusteredVectorSet)?.TakeSnapshot());
    }

    /// <summary>
    /// These rows followed by <paramref name="fill"/>'s rows for items <see cref="Rows"/> … <paramref name="rows"/> − 1;
    /// <paramref name="fill"/> answers false for an item it has no embedding for. When the full build's clustered set
    /// exists (<see cref="BuildIndexes"/> or a search built it) and this is the latest generation, the new rows join it.
    /// </summary>
    public ItemVectors Grow(int rows, Func<int, Span<float>, bool> fill)
    {
        if (rows < Rows) throw new ArgumentException($"Cannot grow {Rows} rows to {rows}.", nameof(rows));
        lock (_shared)
        {
            var shared = _shared;
            var arrays = shared.IsLatest(Rows) ? shared.Buffers : null;
            if (arrays is null || arrays.Capacity < rows)
            {
                arrays = new RowsWithValues<bool>(_buffer, _missing).Copy(Rows, Dimension, Math.Max(rows, 2 * Rows));
                shared = new HandedOutRows<RowsWithValues<bool>>(Rows, arrays);
            }
            var (buffer, missing) = (arrays.Rows, arrays.Values);
            for (var item = Rows; item < rows; item++)
            {
                var row = buffer.AsSpan(item * Dimension, Dimension);
                row.Clear();
                missing[item] = !fill(item, row);
                if (missing[item]) row.Clear();
            }
            shared.Rows = rows;
            var (folding, folded) = _folding is null ? (null, null) : Fold(_folding, buffer, missing, rows);
            return new ItemVectors(buffer, missing, rows, Dimension, shared, _base, _quantisedBase, _baseRows, _baseMissing,
                new ArraySegment<RecentBlock>(_recentBlocks, 0, _sealedBlocks), folding, folded);
        }
    }

    /// <summary>
    /// Room for <see cref="Grow"/> to reach <paramref name="rows"/> rows without copying: when this is the latest
    /// generation and its buffers are smaller, its rows are copied now into buffers of that size, which the next growth
    /// writes into (this generation goes on reading its own), and the full build's clustered set, when built, makes
    /// room for as many ids.
    /// </summary>
    public void ReserveRoom(int rows)
    {
        lock (_shared)
        {
            if (!_shared.IsLatest(Rows)) return;
            if (_shared.Buffers.Capacity < rows) _shared.Buffers = _shared.Buffers.Copy(Rows, Dimension, rows);
            if (_folding is not null && _quantisedBase.IsValueCreated && _quantisedBase.Value?.Set is ClusteredVectorSet set)
                set.ReserveIds(rows);
        }
    }

    /// <summary>
    /// For a growth of the chain's latest generation: adds the rows with an embedding from the last folded one up to
    /// <paramref name="rows"/> to the full build's clustered set, and returns the chain with the set as it then is (no
    /// snapshot, folding nothing, when there is no clustered set yet). For a growth of an older generation (a branch):
    /// no chain and no snapshot.
    /// </summary>
    private (UploadFolding? Folding, ClusteredVectorSet.Snapshot? Folded) Fold(UploadFolding folding, float[] buffer, bool[] missing, int rows)
    {
        lock (folding)
        {
            if (folding.LatestRows != Rows) return (null, null);
            // Nothing added: the copy searches as this generation does, and only this generation stays the chain's latest.
            if (rows == Rows) return (null, _folded);
            folding.LatestRows = rows;
            if (!_quantisedBase.IsValueCreated || _quantisedBase.Value?.Set is not ClusteredVectorSet set) return (folding, null);
            set.GrowIds(rows);
            for (var item = folding.FoldedRows; item < rows; item++)
                if (!missing[item]) set.Add(item, buffer.AsSpan(item * Dimension, Dimension));
            folding.FoldedRows = rows;
            return (folding, set.TakeSnapshot());
        }
    }

    /// <summary>
    /// Builds the full build's index for unfiltered searches now rather than on the first one (a service warms up
    /// before serving); the exact index a filtered search needs is still built when one comes.
    /// </summary>
    public void BuildIndexes()
    {
        if (_quantisedBase.Value is null) _ = _base.Value;
    }

    /// <summary>Whether this generation's uploads are searched through the full build's clusters rather than exactly.</summary>
    internal bool UploadsClustered => _folded is not null;

    /// <summary>The <paramref name="k"/> items with the largest inner product with <paramref name="query"/> among those <paramref name="filter"/> admits.</summary>
    public Neighbor[] Search(float[] query, int k, IdFilter? filter)
    {
        Neighbor[] found;
        if (filter is null && _quantisedBase.Value is { } quantised)
        {
            if (_folded is not null) return FoldedSearch(query, k)[0];
            found = Unfolded(quantised, query, k)[0]; // holds only rows with an embedding
        }
        else
        {
            // Rows without an embedding are searched for and then dropped: asking for as many more keeps k exact.
            found = _base.Value.Search(query, k + _baseMissing, filter);
            if (_baseMissing > 0) found = [.. found.Where(n => !_missing[n.Id]).Take(k)];
        }
        return WithRecent(query, found, k, filter);
    }

    /// <summary>
    /// <see cref="Search"/> for each of the row-major <paramref name="queries"/>, each answer the same; unfiltered
    /// searches of a quantised build share one pass over its rows (<see cref="IVectorSubset.SearchBatch"/>), which
    /// a batch of feeds is worth: the 8-bit products are the bulk of a large catalogue's search.
    /// </summary>
    public Neighbor[][] SearchMany(float[] queries, int k, IdFilter? filter)
    {
        var count = queries.Length / Dimension;
        if (filter is not null || _quantisedBase.Value is not { } quantised)
            return [.. Enumerable.Range(0, count).Select(q => Search(queries.AsSpan(q * Dimension, Dimension).ToArray(), k, filter))];
        if (_folded is not null) return FoldedSearch(queries, k);
        var found = Unfolded(quantised, queries, k);
        for (var q = 0; q < count; q++) found[q] = WithRecent(queries.AsSpan(q * Dimension, Dimension).ToArray(), found[q], k, filter: null);
        return found;
    }

    /// <summary>The clustered set as this generation folded its uploads into it: every row with an embedding.</summary>
    private Neighbor[][] FoldedSearch(ReadOnlySpan<float> queries, int k) => _folded!.Set.SearchBatch(queries, k, _folded);

    /// <summary>The full build's rows with an embedding only: a clustered set is searched as built, without any generation's uploads.</summary>
    private static Neighbor[][] Unfolded(QuantisedSearch quantised, ReadOnlySpan<float> queries, int k) =>
        quantised.AsBuilt is { } asBuilt ? asBuilt.Set.SearchBatch(queries, k, asBuilt) : quantised.Set.SearchBatch(queries, k);

    /// <summary>The full build's answer merged with the items added since, best <paramref name="k"/> of both.</summary>
    private Neighbor[] WithRecent(float[] query, Neighbor[] found, int k, IdFilter? filter)
    {
        if (_recentBlocks.Length == 0) return found;
        // One top list over the full build's answer and every block's rows: room for the rows without an embedding
        // (scored, then dropped) or, filtered, for all the recent rows (the filter is applied after).
        using var best = new TopKBuffer(k + (filter is null ? _recentMissing : _recentRows));
        foreach (var n in found) best.Push(n.Score, n.Id);
        foreach (var block in _recentBlocks) block.ScanInto(query, best);
        return [.. best.ToSortedArray()
            .Where(n => n.Id < _baseRows || (!_missing[n.Id] && (filter is null || (n.Id < filter.Capacity && filter.Contains(n.Id)))))
            .Take(k)];
    }
}
