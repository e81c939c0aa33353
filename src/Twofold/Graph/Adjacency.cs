namespace Twofold.Graph;

/// <summary>
/// One direction of the bipartite interaction graph in compressed sparse row form: for each node, its
/// neighbours, most recent first, each once (repeated interactions keep the latest time).
/// The same type serves both directions (user → items is H^U, item → users is H^I).
/// </summary>
public sealed class Adjacency
{
    private readonly int[] _offsets;
    private readonly int[] _neighbors;
    private readonly long[] _times;

    private Adjacency(int[] offsets, int[] neighbors, long[] times)
    {
        _offsets = offsets;
        _neighbors = neighbors;
        _times = times;
    }

    public int NodeCount => _offsets.Length - 1;
    public long EdgeCount => _neighbors.Length;

    public ReadOnlySpan<int> Neighbors(int node) => _neighbors.AsSpan(_offsets[CheckNode(node)], Degree(node));

    /// <summary>The times of the edges of <see cref="Neighbors"/>, aligned with them, newest first.</summary>
    public ReadOnlySpan<long> Times(int node) => _times.AsSpan(_offsets[CheckNode(node)], Degree(node));

    public int Degree(int node) => _offsets[CheckNode(node) + 1] - _offsets[node];

    /// <summary>
    /// Builds the adjacency of <paramref name="nodeCount"/> source nodes from edge arrays, by counting sort on the
    /// source, then per node: newest first, duplicates dropped, edges older than <paramref name="minTime"/> dropped,
    /// and at most <paramref name="maxPerNode"/> kept.
    /// </summary>
    internal static Adjacency FromEdges(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, ReadOnlySpan<long> times,
        int nodeCount, long minTime, int? maxPerNode)
    {
        var counts = new int[nodeCount + 1];
        foreach (var s in sources) counts[s + 1]++;
        for (var n = 0; n < nodeCount; n++) counts[n + 1] += counts[n];
        var cursor = counts.AsSpan(0, nodeCount).ToArray();
        var neighbors = new int[sources.Length];
        var edgeTimes = new long[sources.Length];
        for (var e = 0; e < sources.Length; e++)
        {
            var slot = cursor[sources[e]]++;
            neighbors[slot] = targets[e];
            edgeTimes[slot] = times[e];
        }

        // Compact each node's run in place: sort newest first, drop repeats, old edges and the tail past the cut.
        var offsets = new int[nodeCount + 1];
        var write = 0;
        var seen = new HashSet<int>();
        var run = new List<(long Time, int Neighbor)>();
        for (var n = 0; n < nodeCount; n++)
        {
            var start = counts[n];
            var length = counts[n + 1] - start;
            run.Clear();
            for (var k = 0; k < length; k++) run.Add((edgeTimes[start + k], neighbors[start + k]));
            run.Sort(NewestFirst);
            seen.Clear();
            offsets[n] = write;
            foreach (var (time, neighbor) in run)
            {
                if (time < minTime) break;
                if (maxPerNode is { } cut && write - offsets[n] >= cut) break;
                if (!seen.Add(neighbor)) continue;
                neighbors[write] = neighbor;
                edgeTimes[write] = time;
                write++;
            }
        }
        offsets[nodeCount] = write;
        return new Adjacency(offsets, neighbors[..write], edgeTimes[..write]);
    }

    /// <summary>
    /// This adjacency with new edges merged in, over <paramref name="nodeCount"/> nodes (at least the current count):
    /// the result of <see cref="FromEdges"/> over the old edges and the new ones together, with the same window and
    /// cut. Each node's run is already newest first, so only the new edges are sorted and the two runs are merged in one
    /// pass; a node without new edges keeps its run as it is (only the window is applied).
    /// </summary>
    internal Adjacency Merge(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, ReadOnlySpan<long> times, int nodeCount, long minTime, int? maxPerNode)
    {
        if (nodeCount < NodeCount) throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount, $"The adjacency has {NodeCount} nodes; it cannot shrink.");
        var counts = new int[nodeCount + 1];
        foreach (var source in sources) counts[source + 1]++;
        for (var n = 0; n < nodeCount; n++) counts[n + 1] += counts[n];
        var cursor = counts.AsSpan(0, nodeCount).ToArray();
        var added = new (long Time, int Neighbor)[sources.Length];
        for (var e = 0; e < sources.Length; e++) added[cursor[sources[e]]++] = (times[e], targets[e]);

        var neighbors = new int[_neighbors.Length + sources.Length];
        var edgeTimes = new long[_neighbors.Length + sources.Length];
        var offsets = new int[nodeCount + 1];
        var write = 0;
        var seen = new HashSet<int>();
        for (var n = 0; n < nodeCount; n++)
        {
            offsets[n] = write;
            var oldStart = n < NodeCount ? _offsets[n] : 0;
            var oldEnd = n < NodeCount ? _offsets[n + 1] : 0;
            var fresh = added.AsSpan(counts[n], counts[n + 1] - counts[n]);
            if (fresh.IsEmpty)
            {
                // The run is newest first, deduplicated and cut already: only the window can drop its tail.
                var end = oldStart;
                while (end < oldEnd && _times[end] >= minTime) end++;
                _neighbors.AsSpan(oldStart, end - oldStart).CopyTo(neighbors.AsSpan(write));
                _times.AsSpan(oldStart, end - oldStart).CopyTo(edgeTimes.AsSpan(write));
                write += end - oldStart;
                continue;
            }
            fresh.Sort(NewestFirst);
            seen.Clear();
            int f = 0, o = oldStart;
            while (f < fresh.Length || o < oldEnd)
            {
                (long Time, int Neighbor) next;
                if (o == oldEnd || (f < fresh.Length && NewestFirst(fresh[f], (_times[o], _neighbors[o])) <= 0)) next = fresh[f++];
                else
                {
                    next = (_times[o], _neighbors[o]);
                    o++;
                }
                if (next.Time < minTime) break;
                if (maxPerNode is { } cut && write - offsets[n] >= cut) break;
                if (!seen.Add(next.Neighbor)) continue;
                neighbors[write] = next.Neighbor;
                edgeTimes[write] = next.Time;
                write++;
            }
        }
        offsets[nodeCount] = write;
        return new Adjacency(offsets, neighbors[..write], edgeTimes[..write]);
    }

    /// <summary>
    /// The same edges over <paramref name="nodeCount"/> nodes, the added ones without neighbours. The edge arrays are
    /// shared (the type is immutable), so growing costs the offsets, O(nodes), not a copy of the edges.
    /// </summary>
    public Adjacency WithNodeCount(int nodeCount)
    {
        if (nodeCount < NodeCount) throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount, $"The adjacency has {NodeCount} nodes; it cannot shrink.");
        if (nodeCount == NodeCount) return this;
        var offsets = new int[nodeCount + 1];
        _offsets.CopyTo(offsets, 0);
        offsets.AsSpan(_offsets.Length).Fill(_offsets[^1]);
        return new Adjacency(offsets, _neighbors, _times);
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(NodeCount);
        writer.Write(_neighbors.Length);
        foreach (var o in _offsets) writer.Write(o);
        foreach (var n in _neighbors) writer.Write(n);
        foreach (var t in _times) writer.Write(t);
    }

    internal static Adjacency Read(BinaryReader reader, string source)
    {
        var nodes = reader.ReadInt32();
        var edges = reader.ReadInt32();
        if (nodes < 0 || edges < 0) throw new InvalidDataException($"{source}: negative sizes in the graph.");
        var offsets = new int[nodes + 1];
        for (var i = 0; i < offsets.Length; i++) offsets[i] = reader.ReadInt32();
        var neighbors = new int[edges];
        for (var i = 0; i < edges; i++) neighbors[i] = reader.ReadInt32();
        var times = new long[edges];
        for (var i = 0; i < edges; i++) times[i] = reader.ReadInt64();
        if (offsets[0] != 0 || offsets[^1] != edges) throw new InvalidDataException($"{source}: the graph's offsets do not match its edge count.");
        for (var n = 0; n < nodes; n++)
            if (offsets[n + 1] < offsets[n]) throw new InvalidDataException($"{source}: the graph's offsets decrease at node {n}.");
        return new Adjacency(offsets, neighbors, times);
    }

    // Newest first; equal times by neighbour id, so the order never depends on the order edges arrived in.
    private static readonly Comparison<(long Time, int Neighbor)> NewestFirst =
        (a, b) => a.Time != b.Time ? b.Time.CompareTo(a.Time) : a.Neighbor.CompareTo(b.Neighbor);

    private int CheckNode(int node)
    {
        if ((uint)node >= (uint)NodeCount) throw new ArgumentOutOfRangeException(nameof(node), node, $"The graph has {NodeCount} nodes on this side.");
        return node;
    }
}
