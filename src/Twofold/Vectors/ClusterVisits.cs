using System.Buffers;

namespace Twofold.Vectors;

/// <summary>
/// The clusters a batch of queries probes, in visiting order, each with the queries that probe it: all queries'
/// nearest clusters first, then their second nearest, and so on, so each query meets its best members early and its
/// top-k threshold rises before the farther clusters are scanned (fewer candidates pushed).
/// </summary>
/// <remarks>
/// Laid out flat in rented arrays (a visit's queries are a range of one array) and returned by <see cref="Dispose"/>:
/// a list per probed cluster and an array over all clusters, made anew for every search, were an eighth of what a
/// service allocated while serving feeds and uploads (bench/README.md, "Allocations of a dispatch").
/// </remarks>
internal sealed class ClusterVisits : IDisposable
{
    private readonly int[] _clusters;  // [visits]: the cluster of each visit
    private readonly int[] _starts;    // [visits + 1]: where each visit's queries start in _queries
    private readonly int[] _queries;   // the queries of every visit, one visit after the other

    /// <param name="probed">Each query's probed clusters, nearest first.</param>
    /// <param name="clusterCount">Clusters of the set (ids are below it).</param>
    public ClusterVisits(int[][] probed, int clusterCount)
    {
        var total = 0;
        var deepest = 0;
        foreach (var clusters in probed)
        {
            total += clusters.Length;
            deepest = Math.Max(deepest, clusters.Length);
        }
        _clusters = ArrayPool<int>.Shared.Rent(total);
        _starts = ArrayPool<int>.Shared.Rent(total + 1);
        _queries = ArrayPool<int>.Shared.Rent(total);
        var visitOf = ArrayPool<int>.Shared.Rent(clusterCount);
        int[] next = [];
        try
        {
            // First pass: each cluster's visit, in the order first met, and how many queries probe it.
            visitOf.AsSpan(0, clusterCount).Fill(-1);
            var counts = _starts.AsSpan(1, total);
            counts.Clear();
            for (int rank = 0; rank < deepest; rank++)
                for (int j = 0; j < probed.Length; j++)
                {
                    if (rank >= probed[j].Length) continue;
                    int c = probed[j][rank];
                    if (visitOf[c] < 0)
                    {
                        visitOf[c] = Count;
                        _clusters[Count++] = c;
                    }
                    counts[visitOf[c]]++;
                }
            _starts[0] = 0;
            for (int v = 0; v < Count; v++) _starts[v + 1] += _starts[v];
            // Second pass: the queries of each visit, in the order they were met.
            next = ArrayPool<int>.Shared.Rent(Count); // the next free place of each visit's range
            _starts.AsSpan(0, Count).CopyTo(next);
            for (int rank = 0; rank < deepest; rank++)
                for (int j = 0; j < probed.Length; j++)
                    if (rank < probed[j].Length) _queries[next[visitOf[probed[j][rank]]]++] = j;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(visitOf);
            if (next.Length > 0) ArrayPool<int>.Shared.Return(next);
        }
    }

    /// <summary>Visits (distinct probed clusters).</summary>
    public int Count { get; }

    public int Cluster(int visit) => _clusters[visit];

    /// <summary>The queries probing the visit's cluster, in the order the queries' probes rank it.</summary>
    public ReadOnlySpan<int> Queries(int visit) => _queries.AsSpan(_starts[visit], _starts[visit + 1] - _starts[visit]);

    public void Dispose()
    {
        ArrayPool<int>.Shared.Return(_clusters);
        ArrayPool<int>.Shared.Return(_starts);
        ArrayPool<int>.Shared.Return(_queries);
    }
}
