using Twofold.Domain;
using Twofold.Graph;

namespace Twofold.Similarity;

/// <summary>
/// Collaborative similarity from the interaction graph, one implementation for both sides: item–item S^I
/// (items are similar when the same users engaged with them) and user–user S^U (users are similar when they
/// engaged with the same items) — DualRec §3.2's similarity services. Computed for all nodes in parallel into
/// top-k lists; deterministic (each node's sums run in a fixed order on one thread).
/// </summary>
public static class CollaborativeSimilarity
{
    /// <param name="side">
    /// <see cref="Side.Item"/> for item–item similarity (contexts are users), <see cref="Side.User"/> for user–user.
    /// </param>
    public static NeighborLists Compute(InteractionGraph graph, Side side, CollaborativeOptions options)
    {
        options.Validate();
        var nodes = Capped(graph.History(side), options.MaxContextsPerNode);
        var contexts = Capped(graph.History(side == Side.Item ? Side.User : Side.Item), options.MaxNodesPerContext);
        var result = new (int[] Neighbors, float[] Scores)[nodes.Length];
        // |C(b)|^p once per node rather than once per (a, b) pair: the same value, and the pairs number up to
        // MaxContextsPerNode x MaxNodesPerContext per node.
        var popularity = options.Measure == CollaborativeMeasure.Cosine
            ? nodes.Select(n => Math.Pow(n.Length, options.PopularityExponent)).ToArray()
            : [];
        // Parallel.For calls the local initialiser for every worker replica, and replicas end and restart many times a
        // second (measured: 18 a second on this machine): a fresh Scratch each time is a dense array over every node
        // (8 MB at 1,000,000 users). Finished replicas hand theirs back here for the next to reuse (a Scratch is left
        // reset after each node, so the lists are the same).
        var spare = new System.Collections.Concurrent.ConcurrentBag<Scratch>();
        Parallel.For(0, nodes.Length,
            () => spare.TryTake(out var reused) ? reused : new Scratch(nodes.Length),
            (node, _, scratch) =>
            {
                if (options.Measure == CollaborativeMeasure.Cosine) AccumulateCosine(node, nodes, contexts, popularity, options, scratch);
                else AccumulateSwing(node, nodes, contexts, options, scratch);
                result[node] = scratch.TakeTop(options.TopK);
                return scratch;
            },
            spare.Add);
        return NeighborLists.FromPerNode(result);
    }

    // score(a, b) = Σ_{c ∈ C(a) ∩ C(b)} w(c) / (|C(a)|^(1−p) · |C(b)|^p), with w(c) = 1 / log2(1 + |N(c)|):
    // a context that engaged with everything says little about any pair (inverse user frequency).
    private static void AccumulateCosine(int a, int[][] nodes, int[][] contexts, double[] popularity, CollaborativeOptions options, Scratch scratch)
    {
        foreach (var c in nodes[a])
        {
            var weight = 1.0 / Math.Log2(1 + contexts[c].Length);
            foreach (var b in contexts[c])
                if (b != a) scratch.Add(b, weight);
        }
        var p = options.PopularityExponent;
        var sizeA = Math.Pow(nodes[a].Length, 1 - p);
        scratch.Rescale(b => 1.0 / (sizeA * popularity[b]));
    }

    // Swing: score(a, b) = Σ over pairs {u, v} ⊆ C(a) ∩ C(b) of w(u)·w(v) / (α + |N(u) ∩ N(v)|), with
    // w(c) = 1/√|N(c)|. Enumerated per pair of contexts of a: every b in N(u) ∩ N(v) receives the pair's weight.
    private static void AccumulateSwing(int a, int[][] nodes, int[][] contexts, CollaborativeOptions options, Scratch scratch)
    {
        var mine = nodes[a];
        for (var x = 0; x < mine.Length; x++)
        {
            var u = contexts[mine[x]];
            for (var y = x + 1; y < mine.Length; y++)
            {
                var v = contexts[mine[y]];
                var shared = scratch.Intersect(u, v);
                var weight = 1.0 / (Math.Sqrt(u.Length) * Math.Sqrt(v.Length) * (options.SwingAlpha + shared.Length));
                foreach (var b in shared)
                    if (b != a) scratch.Add(b, weight);
            }
        }
    }

    /// <summary>Each node's most recent neighbours up to the cap, sorted by id (for merging intersections).</summary>
    private static int[][] Capped(Adjacency adjacency, int cap)
    {
        var lists = new int[adjacency.NodeCount][];
        for (var n = 0; n < lists.Length; n++)
        {
            var neighbors = adjacency.Neighbors(n);
            var list = neighbors[..Math.Min(cap, neighbors.Length)].ToArray();
            Array.Sort(list);
            lists[n] = list;
        }
        return lists;
    }

    /// <summary>Per-thread dense accumulator with the list of touched nodes, reused across nodes.</summary>
    private sealed class Scratch(int nodeCount)
    {
        private readonly double[] _scores = new double[nodeCount];
        private readonly List<int> _touched = [];
        private int[] _intersection = new int[64];
        private int[] _heap = [];

        public void Add(int node, double value)
        {
            if (_scores[node] == 0) _touched.Add(node);
            _scores[node] += value;
        }

        public void Rescale(Func<int, double> factor)
        {
            foreach (var n in _touched) _scores[n] *= factor(n);
        }

        public ReadOnlySpan<int> Intersect(int[] left, int[] right)
        {
            if (_intersection.Length < Math.Min(left.Length, right.Length)) _intersection = new int[Math.Min(left.Length, right.Length) * 2];
            int i = 0, j = 0, count = 0;
            while (i < left.Length && j < right.Length)
            {
                if (left[i] < right[j]) i++;
                else if (left[i] > right[j]) j++;
                else
                {
                    _intersection[count++] = left[i];
                    i++;
                    j++;
                }
            }
            return _intersection.AsSpan(0, count);
        }

        /// <summary>The best <paramref name="k"/> touched nodes (score descending, then id), and a reset for the next node.</summary>
        /// <remarks>A heap of the best k seen so far (its root the worst of them) rather than a sort of every touched node:
        /// hubs touch tens of thousands of nodes for a k of tens. The order is total (ids are distinct), so the result is
        /// the sorted prefix exactly.</remarks>
        public (int[] Neighbors, float[] Scores) TakeTop(int k)
        {
            var scores = _scores;
            bool Better(int x, int y) => scores[x] > scores[y] || (scores[x] == scores[y] && x < y);
            if (_heap.Length < k) _heap = new int[k];
            var heap = _heap;
            var count = 0;
            foreach (var n in _touched)
            {
                if (count < k)
                {
                    // Sift up: a worse node moves towards the root.
                    var i = count++;
                    while (i > 0 && Better(heap[(i - 1) / 2], n))
                    {
                        heap[i] = heap[(i - 1) / 2];
                        i = (i - 1) / 2;
                    }
                    heap[i] = n;
                }
                else if (Better(n, heap[0]))
                {
                    // Replace the worst kept node and sift down.
                    var i = 0;
                    while (true)
                    {
                        var child = 2 * i + 1;
                        if (child >= count) break;
                        if (child + 1 < count && Better(heap[child], heap[child + 1])) child++;
                        if (!Better(n, heap[child])) break;
                        heap[i] = heap[child];
                        i = child;
                    }
                    heap[i] = n;
                }
            }
            var neighbors = heap.AsSpan(0, count).ToArray();
            Array.Sort(neighbors, (x, y) => Better(x, y) ? -1 : Better(y, x) ? 1 : 0);
            var values = new float[count];
            for (var r = 0; r < count; r++) values[r] = (float)scores[neighbors[r]];
            foreach (var n in _touched) scores[n] = 0;
            _touched.Clear();
            return (neighbors, values);
        }
    }
}
