using Twofold.Domain;
using Twofold.Vectors;

namespace Twofold.Similarity;

/// <summary>
/// Content similarity S^I from item content embeddings: the cosine of the embeddings, answered by the vector
/// index. Unlike collaborative similarity it needs no interactions, so it covers a new item from its upload on —
/// the reason DualRec's i2i2u retrieval can reach users for items nobody has seen yet. Items without an embedding
/// get no neighbours.
/// </summary>
public static class ContentSimilarity
{
    /// <summary>Catalogues up to this size are searched exactly (batched) by default; larger ones through the graph index.</summary>
    public const int DefaultExactUpTo = 20_000;

    /// <summary>The <paramref name="topK"/> most similar items of every item, best first, excluding the item itself.</summary>
    /// <param name="exactUpTo">Largest catalogue searched exactly; above it the graph index answers (approximately).</param>
    public static NeighborLists Compute(IReadOnlyList<Item> items, int topK, HnswOptions? graphOptions = null, int exactUpTo = DefaultExactUpTo) =>
        ComputeGrowable(items, topK, out _, graphOptions, exactUpTo);

    /// <summary>As <see cref="Compute"/>, also handing out what <see cref="Extend"/> grows from.</summary>
    /// <param name="rows">The items' normalised embeddings and, above <paramref name="exactUpTo"/>, the graph index over them.</param>
    public static NeighborLists ComputeGrowable(IReadOnlyList<Item> items, int topK, out ContentRows rows, HnswOptions? graphOptions = null, int exactUpTo = DefaultExactUpTo)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "At least one neighbour must be kept.");
        var embedded = items.Where(i => i.ContentEmbedding is not null).ToList();
        var perItem = new (int[] Neighbors, float[] Scores)[items.Count];
        for (var i = 0; i < perItem.Length; i++) perItem[i] = ([], []);
        if (embedded.Count == 0)
        {
            rows = ContentRows.Of([], [], items.Count, 0, null);
            return NeighborLists.FromPerNode(perItem);
        }

        var dimension = embedded[0].ContentEmbedding!.Length;
        var normalised = new float[embedded.Count * dimension];
        for (var r = 0; r < embedded.Count; r++)
        {
            var vector = embedded[r].ContentEmbedding!;
            if (vector.Length != dimension)
                throw new ArgumentException($"Item {embedded[r].ExternalId} has a {vector.Length}-dimensional content embedding; the first one has {dimension}.", nameof(items));
            Normalize(vector, normalised.AsSpan(r * dimension, dimension));
        }

        var k = Math.Min(topK + 1, embedded.Count); // +1: each item finds itself first
        Neighbor[][] found;
        HnswIndex? graph = null;
        if (embedded.Count <= exactUpTo)
        {
            found = new FlatIndex(normalised, dimension).SearchBatch(normalised, k);
        }
        else
        {
            var index = graph = HnswIndex.Build(normalised, dimension, graphOptions);
            found = new Neighbor[embedded.Count][];
            Parallel.For(0, embedded.Count, Parallelism.PerCore(), r => found[r] = index.Search(normalised.AsSpan(r * dimension, dimension), k));
        }
        rows = ContentRows.Of(normalised, [.. embedded.Select(i => i.Id.Value)], items.Count, dimension, graph);

        for (var r = 0; r < embedded.Count; r++)
        {
            var neighbors = found[r].Where(n => n.Id != r).Take(topK).ToArray();
            perItem[embedded[r].Id.Value] = (neighbors.Select(n => embedded[n.Id].Id.Value).ToArray(), neighbors.Select(n => n.Score).ToArray());
        }
        return NeighborLists.FromPerNode(perItem);
    }

    /// <summary>
    /// <paramref name="existing"/> grown to the catalogue <paramref name="items"/>: the items it already covers keep
    /// their lists (shared, not copied: <see cref="NeighborLists.Append"/>); each added item gets its
    /// <paramref name="topK"/> most similar items of the whole catalogue, from <paramref name="rows"/>: through the graph
    /// index Compute built above <see cref="DefaultExactUpTo"/> items (each added item is inserted into it), else by an
    /// exact scan. For an item added after the lists were computed this is what <see cref="Compute"/> gives at that
    /// moment (approximately, where Compute is approximate too); it saves recomputing every list when items arrive one
    /// at a time, as uploads to a running service do.
    /// </summary>
    /// <param name="rows">The normalised embeddings of the items <paramref name="existing"/> covers, from Compute or the
    /// previous extension; null builds them (without a graph index: exact scans).</param>
    /// <param name="grown">The normalised embeddings of all of <paramref name="items"/>, for the next extension.</param>
    public static NeighborLists Extend(NeighborLists existing, IReadOnlyList<Item> items, int topK, ContentRows? rows, out ContentRows grown)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "At least one neighbour must be kept.");
        if (items.Count < existing.NodeCount)
            throw new ArgumentException($"The catalogue has {items.Count} items, fewer than the {existing.NodeCount} the lists cover.", nameof(items));
        rows ??= ContentRows.Empty.Grow(items.Take(existing.NodeCount).ToList());
        if (rows.ItemCount != existing.NodeCount)
            throw new ArgumentException($"The content rows cover {rows.ItemCount} items, the lists {existing.NodeCount}.", nameof(rows));
        grown = rows.Grow(items);
        var added = new (int[] Neighbors, float[] Scores)[items.Count - existing.NodeCount];
        for (var i = existing.NodeCount; i < items.Count; i++) added[i - existing.NodeCount] = grown.Similar(items[i], topK);
        return existing.Append(added);
    }

    internal static void Normalize(float[] vector, Span<float> into)
    {
        var norm = MathF.Sqrt(VectorKernels.Dot(vector, vector));
        if (norm == 0 || !float.IsFinite(norm)) throw new ArgumentException("A content embedding is zero or not finite; it has no direction to compare.");
        for (var d = 0; d < vector.Length; d++) into[d] = vector[d] / norm;
    }
}
