using Twofold.Data;
using System.Buffers.Binary;

namespace Twofold.Similarity;

/// <summary>
/// The top-k most similar nodes of every node on one side, with scores, best first: the answer of a similarity
/// service S(x). Immutable, stored as CSR; saved in a small versioned binary format.
/// </summary>
/// <remarks>
/// <see cref="Append"/> makes lists with more nodes that share this one's arrays when they have room (capacity
/// doubles), so a catalogue growing by uploads costs only the new nodes' lists. Instances stay immutable: each reads
/// only its own prefix, and an append writes only beyond the longest prefix handed out so far.
/// </remarks>
public sealed class NeighborLists
{
    private const uint Magic = 0x4E424C54; // "TLBN"
    private const int FormatVersion = 1;

    private readonly int[] _offsets;
    private readonly int[] _neighbors;
    private readonly float[] _scores;
    private readonly int _nodes;
    private readonly HandedOutRows<Arrays> _shared;

    /// <summary>The CSR arrays: the node offsets, and per edge its neighbour and score.</summary>
    private sealed record Arrays(int[] Offsets, int[] Neighbors, float[] Scores)
    {
        /// <summary>The first <paramref name="nodes"/> nodes' lists (<paramref name="edges"/> edges) in arrays with room for the given counts.</summary>
        public Arrays Copy(int nodes, int edges, int nodeCapacity, int edgeCapacity)
        {
            var copy = new Arrays(new int[nodeCapacity + 1], new int[edgeCapacity], new float[edgeCapacity]);
            Array.Copy(Offsets, copy.Offsets, nodes + 1);
            Array.Copy(Neighbors, copy.Neighbors, edges);
            Array.Copy(Scores, copy.Scores, edges);
            return copy;
        }
    }

    internal NeighborLists(int[] offsets, int[] neighbors, float[] scores) : this(new Arrays(offsets, neighbors, scores), offsets.Length - 1, null)
    {
    }

    private NeighborLists(Arrays arrays, int nodes, HandedOutRows<Arrays>? shared)
    {
        _offsets = arrays.Offsets;
        _neighbors = arrays.Neighbors;
        _scores = arrays.Scores;
        _nodes = nodes;
        _shared = shared ?? new HandedOutRows<Arrays>(nodes, arrays);
    }

    public int NodeCount => _nodes;

    /// <summary>The neighbours listed, over all nodes.</summary>
    public int EdgeCount => _offsets[_nodes];

    /// <summary>
    /// These lists followed by <paramref name="added"/> (lists of the nodes <see cref="NodeCount"/>, … onwards, each
    /// sorted best first). Writes into the shared arrays when this instance is the longest handed out from them and
    /// they have room; copies into arrays of twice the size otherwise.
    /// </summary>
    public NeighborLists Append(IReadOnlyList<(int[] Neighbors, float[] Scores)> added)
    {
        var edges = _offsets[_nodes];
        var addedEdges = added.Sum(a => a.Neighbors.Length);
        for (var n = 0; n < added.Count; n++)
            if (added[n].Scores.Length != added[n].Neighbors.Length)
                throw new ArgumentException($"Node {_nodes + n} has {added[n].Neighbors.Length} neighbours and {added[n].Scores.Length} scores.", nameof(added));
        lock (_shared)
        {
            var shared = _shared;
            var arrays = shared.IsLatest(_nodes) ? shared.Buffers : null;
            if (arrays is null || arrays.Offsets.Length < _nodes + added.Count + 1 || arrays.Neighbors.Length < edges + addedEdges)
            {
                arrays = new Arrays(_offsets, _neighbors, _scores).Copy(_nodes, edges,
                    Math.Max(_nodes + added.Count, 2 * _nodes + 1), Math.Max(edges + addedEdges, 2 * edges));
                shared = new HandedOutRows<Arrays>(_nodes, arrays);
            }
            var at = edges;
            for (var n = 0; n < added.Count; n++)
            {
                added[n].Neighbors.CopyTo(arrays.Neighbors, at);
                added[n].Scores.CopyTo(arrays.Scores, at);
                at += added[n].Neighbors.Length;
                arrays.Offsets[_nodes + n + 1] = at;
            }
            shared.Rows = _nodes + added.Count;
            return new NeighborLists(arrays, _nodes + added.Count, shared);
        }
    }

    /// <summary>
    /// Room for <see cref="Append"/> to reach <paramref name="nodes"/> nodes and <paramref name="edges"/> edges without
    /// copying: when these lists are the longest handed out and their arrays are smaller, their lists are copied now
    /// into arrays of that size, which the next append writes into (these lists go on reading their own).
    /// </summary>
    internal void ReserveRoom(int nodes, int edges)
    {
        lock (_shared)
        {
            var arrays = _shared.Buffers;
            if (!_shared.IsLatest(_nodes) || (arrays.Offsets.Length >= nodes + 1 && arrays.Neighbors.Length >= edges)) return;
            _shared.Buffers = arrays.Copy(_nodes, _offsets[_nodes], Math.Max(nodes, arrays.Offsets.Length - 1), Math.Max(edges, arrays.Neighbors.Length));
        }
    }

    public ReadOnlySpan<int> Neighbors(int node) => _neighbors.AsSpan(_offsets[Check(node)], _offsets[node + 1] - _offsets[node]);

    public ReadOnlySpan<float> Scores(int node) => _scores.AsSpan(_offsets[Check(node)], _offsets[node + 1] - _offsets[node]);

    /// <summary>Assembles lists computed per node (each already sorted best first).</summary>
    internal static NeighborLists FromPerNode(IReadOnlyList<(int[] Neighbors, float[] Scores)> perNode)
    {
        var offsets = new int[perNode.Count + 1];
        for (var n = 0; n < perNode.Count; n++) offsets[n + 1] = offsets[n] + perNode[n].Neighbors.Length;
        var neighbors = new int[offsets[^1]];
        var scores = new float[offsets[^1]];
        for (var n = 0; n < perNode.Count; n++)
        {
            perNode[n].Neighbors.CopyTo(neighbors, offsets[n]);
            perNode[n].Scores.CopyTo(scores, offsets[n]);
        }
        return new NeighborLists(offsets, neighbors, scores);
    }

    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        Data.BinaryFormat.WriteHeader(writer, Magic, FormatVersion);
        var edges = _offsets[_nodes];
        writer.Write(NodeCount);
        writer.Write(edges);
        foreach (var o in _offsets.AsSpan(0, _nodes + 1)) writer.Write(o);
        foreach (var n in _neighbors.AsSpan(0, edges)) writer.Write(n);
        foreach (var s in _scores.AsSpan(0, edges)) writer.Write(s);
    }

    /// <param name="source">Names the file in error messages.</param>
    public static NeighborLists Load(Stream stream, string source) =>
        Data.BinaryFormat.Read(stream, source, Magic, FormatVersion, "neighbour-list", reader =>
        {
            var nodes = reader.ReadInt32();
            var edges = reader.ReadInt32();
            if (nodes < 0 || edges < 0) throw new InvalidDataException($"{source}: negative sizes in the header.");
            var offsets = ReadInts(reader, nodes + 1);
            var neighbors = ReadInts(reader, edges);
            var scores = new float[edges];
            for (var e = 0; e < edges; e++) scores[e] = reader.ReadSingle();
            if (offsets[0] != 0 || offsets[^1] != edges) throw new InvalidDataException($"{source}: the offsets do not match the edge count.");
            for (var n = 0; n < nodes; n++)
                if (offsets[n + 1] < offsets[n]) throw new InvalidDataException($"{source}: offsets decrease at node {n}.");
            return new NeighborLists(offsets, neighbors, scores);
        });

    private static int[] ReadInts(BinaryReader reader, int count)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++) values[i] = reader.ReadInt32();
        return values;
    }

    private int Check(int node)
    {
        if ((uint)node >= (uint)NodeCount) throw new ArgumentOutOfRangeException(nameof(node), node, $"The similarity lists cover {NodeCount} nodes.");
        return node;
    }
}
