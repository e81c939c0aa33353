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
    private readonly HandedOutRows _shared;

    internal NeighborLists(int[] offsets, int[] neighbors, float[] scores) : this(offsets, neighbors, scores, offsets.Length - 1, null)
    {
    }

    private NeighborLists(int[] offsets, int[] neighbors, float[] scores, int nodes, HandedOutRows? shared)
    {
        _offsets = offsets;
        _neighbors = neighbors;
        _scores = scores;
        _nodes = nodes;
        _shared = shared ?? new HandedOutRows(nodes);
    }

    public int NodeCount => _nodes;

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
            int[] offsets = _offsets, neighbors = _neighbors;
            float[] scores = _scores;
            var shared = _shared;
            if (!shared.IsLatest(_nodes) || offsets.Length < _nodes + added.Count + 1 || neighbors.Length < edges + addedEdges)
            {
                offsets = new int[Math.Max(_nodes + added.Count + 1, 2 * (_nodes + 1))];
                neighbors = new int[Math.Max(edges + addedEdges, 2 * edges)];
                scores = new float[neighbors.Length];
                Array.Copy(_offsets, offsets, _nodes + 1);
                Array.Copy(_neighbors, neighbors, edges);
                Array.Copy(_scores, scores, edges);
                shared = new HandedOutRows(_nodes);
            }
            var at = edges;
            for (var n = 0; n < added.Count; n++)
            {
                added[n].Neighbors.CopyTo(neighbors, at);
                added[n].Scores.CopyTo(scores, at);
                at += added[n].Neighbors.Length;
                offsets[_nodes + n + 1] = at;
            }
            shared.Rows = _nodes + added.Count;
            return new NeighborLists(offsets, neighbors, scores, _nodes + added.Count, shared);
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
