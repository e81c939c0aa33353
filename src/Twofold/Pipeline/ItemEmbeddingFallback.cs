using Twofold.Domain;
using Twofold.Models;

namespace Twofold.Pipeline;

/// <summary>
/// Where a new item's two-tower embedding comes from when its content gives none (no content embedding, or no content
/// neighbour among the trained items): the mean embedding of its creator's trained items, else of its genre's trained
/// items. An item with neither gets no embedding at all, and the two-tower sources pass it by (it is still found by
/// i2i2u and i2u2u once it has neighbours or history, and the rankers score it from its creator, genre and duration).
/// </summary>
/// <remarks>
/// The creator's mean is the first choice because a creator's uploads resemble each other more than a genre's do;
/// a zero vector, the alternative, scores every user alike and so sends all such items to the same users.
/// </remarks>
internal sealed class ItemEmbeddingFallback
{
    private readonly Dictionary<int, float[]> _byCreator;
    private readonly Dictionary<string, float[]> _byGenre;

    private ItemEmbeddingFallback(Dictionary<int, float[]> byCreator, Dictionary<string, float[]> byGenre)
    {
        _byCreator = byCreator;
        _byGenre = byGenre;
    }

    /// <summary>The means over the items the tower was trained on (the first <see cref="TwoTowerModel.ItemCount"/> of <paramref name="catalogue"/>).</summary>
    public static ItemEmbeddingFallback Build(TwoTowerModel tower, IReadOnlyList<Item> catalogue)
    {
        var byCreator = new Dictionary<int, (float[] Sum, int Count)>();
        var byGenre = new Dictionary<string, (float[] Sum, int Count)>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(tower.ItemCount, catalogue.Count); i++)
        {
            var embedding = tower.Embedding(Side.Item, i);
            Add(byCreator, catalogue[i].Creator.Value, embedding);
            Add(byGenre, catalogue[i].Genre, embedding);
        }
        return new ItemEmbeddingFallback(Means(byCreator), Means(byGenre));
    }

    /// <summary>Writes the fallback embedding of <paramref name="item"/> into <paramref name="row"/>; false when it has none.</summary>
    public bool TryFill(Item item, Span<float> row)
    {
        if (!_byCreator.TryGetValue(item.Creator.Value, out var mean) && !_byGenre.TryGetValue(item.Genre, out mean)) return false;
        mean.CopyTo(row);
        return true;
    }

    private static void Add<TKey>(Dictionary<TKey, (float[] Sum, int Count)> sums, TKey key, ReadOnlySpan<float> embedding) where TKey : notnull
    {
        if (!sums.TryGetValue(key, out var entry)) entry = (new float[embedding.Length], 0);
        System.Numerics.Tensors.TensorPrimitives.Add(entry.Sum, embedding, entry.Sum);
        sums[key] = (entry.Sum, entry.Count + 1);
    }

    private static Dictionary<TKey, float[]> Means<TKey>(Dictionary<TKey, (float[] Sum, int Count)> sums) where TKey : notnull
    {
        var means = new Dictionary<TKey, float[]>(sums.Comparer);
        foreach (var (key, (sum, count)) in sums)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(sum, count, sum);
            means[key] = sum;
        }
        return means;
    }
}
