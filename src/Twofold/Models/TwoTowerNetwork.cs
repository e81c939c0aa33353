using TorchSharp;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// The trainable pair of towers: the user tower reads the user id; the item tower reads the item id and, as
/// configured, the item's creator and genre, looked up from the item id. Both end in unit vectors of the same width.
/// </summary>
public sealed class TwoTowerNetwork : nn.Module
{
    private readonly Tower userTower;
    private readonly Tower itemTower;
    private readonly Tensor? itemCreators;
    private readonly Tensor? itemGenres;

    public TwoTowerNetwork(TwoTowerData data, TwoTowerOptions options)
        : this(data.UserCount, data.ItemCount,
            options.UseCreator ? (data.ItemCreators.ToArray(), data.CreatorCount) : null,
            options.UseGenre ? (data.ItemGenres.ToArray(), data.GenreCount) : null,
            options)
    {
    }

    /// <param name="creators">The creator of each item and the creator count, or null to leave the feature out.</param>
    /// <param name="genres">The genre of each item and the genre count, or null to leave the feature out.</param>
    public TwoTowerNetwork(int userCount, int itemCount, (int[] OfItem, int Count)? creators, (int[] OfItem, int Count)? genres,
        TwoTowerOptions options) : base(nameof(TwoTowerNetwork))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(userCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        TorchRuntime.EnsureLoaded();
        var itemFeatures = new List<long> { itemCount };
        if (creators is { } c)
        {
            CheckFeature(c.OfItem, c.Count, itemCount, "creators");
            itemFeatures.Add(c.Count);
            itemCreators = torch.tensor(c.OfItem.Select(v => (long)v).ToArray());
        }
        if (genres is { } g)
        {
            CheckFeature(g.OfItem, g.Count, itemCount, "genres");
            itemFeatures.Add(g.Count);
            itemGenres = torch.tensor(g.OfItem.Select(v => (long)v).ToArray());
        }
        var random = new Random(unchecked((int)options.Seed));
        UserCount = userCount;
        ItemCount = itemCount;
        userTower = new Tower("user", [userCount], options.EmbeddingDim, options.HiddenDim, options.OutputDim, random);
        itemTower = new Tower("item", itemFeatures.ToArray(), options.EmbeddingDim, options.HiddenDim, options.OutputDim, random);
        RegisterComponents();
    }

    public int UserCount { get; }
    public int ItemCount { get; }
    public int OutputDim => userTower.OutputDim;

    /// <summary>Unit embeddings [n, d] of the users with the given ids (int64 vector, ids in [0, UserCount)).</summary>
    public Tensor EmbedUsers(Tensor users)
    {
        TensorGuard.Rank(users, 1, nameof(users));
        TensorGuard.IndexRange(users, UserCount, nameof(users));
        return EmbedUnchecked(Domain.Side.User, users);
    }

    /// <summary>Unit embeddings [n, d] of the items with the given ids (int64 vector, ids in [0, ItemCount)).</summary>
    public Tensor EmbedItems(Tensor items)
    {
        TensorGuard.Rank(items, 1, nameof(items));
        TensorGuard.IndexRange(items, ItemCount, nameof(items));
        return EmbedUnchecked(Domain.Side.Item, items);
    }

    /// <summary>Embeddings of one side for ids the caller has validated.</summary>
    internal Tensor EmbedUnchecked(Domain.Side side, Tensor ids)
    {
        if (side == Domain.Side.User) return userTower.ForwardUnchecked([ids]);
        using var scope = torch.NewDisposeScope();
        var features = new List<Tensor> { ids };
        if (itemCreators is not null) features.Add(itemCreators.index_select(0, ids));
        if (itemGenres is not null) features.Add(itemGenres.index_select(0, ids));
        return itemTower.ForwardUnchecked(features.ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>All embeddings of one side as a row-major float matrix (count × d), computed in chunks without grad.</summary>
    public float[] ExportEmbeddings(Domain.Side side, int chunk = 8192)
    {
        var count = side == Domain.Side.User ? UserCount : ItemCount;
        var d = OutputDim;
        var result = new float[checked((long)count * d)];
        using var noGrad = torch.no_grad();
        for (var start = 0; start < count; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            var n = Math.Min(chunk, count - start);
            Tensor ids = torch.arange(start, start + n, dtype: ScalarType.Int64);
            Tensor e = EmbedUnchecked(side, ids).contiguous();
            e.data<float>().CopyTo(result, checked(start * d));
        }
        return result;
    }

    private static void CheckFeature(int[] ofItem, int count, int itemCount, string name)
    {
        ArgumentNullException.ThrowIfNull(ofItem, name);
        TensorGuard.SameLength(ofItem.Length, itemCount, name, "items");
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, name);
        TensorGuard.IndexRange(ofItem.Select(v => (long)v).ToArray(), count, name);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            itemCreators?.Dispose();
            itemGenres?.Dispose();
        }
        base.Dispose(disposing);
    }
}
