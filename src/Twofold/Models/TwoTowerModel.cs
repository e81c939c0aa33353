using Twofold.Domain;

namespace Twofold.Models;

/// <summary>A named weight tensor of a trained network, as a row-major copy.</summary>
public sealed record TwoTowerParameter(string Name, long[] Shape, float[] Values);

/// <summary>
/// A trained two-tower model (immutable): the user and item embeddings (unit vectors of width <see cref="Dimension"/>)
/// that the vector indexes are built over, the tower weights they came from, and the fit's report.
/// </summary>
/// <remarks>
/// The user-side retrieval searches <see cref="UserEmbeddings"/> rows against an index over <see cref="ItemEmbeddings"/>;
/// the creator side searches an item's row against an index over the user embeddings (DualRec eqs. 7–8). The score of
/// a pair is the inner product of the two rows, a cosine similarity.
/// </remarks>
public sealed class TwoTowerModel
{
    private readonly float[] _users;
    private readonly float[] _items;
    private readonly int[] _itemCreators;
    private readonly int[] _itemGenres;

    internal TwoTowerModel(TwoTowerOptions options, int userCount, int itemCount, int creatorCount, int genreCount,
        int[] itemCreators, int[] itemGenres, IReadOnlyList<TwoTowerParameter> parameters, float[] users, float[] items, TwoTowerReport report)
    {
        Options = options;
        UserCount = userCount;
        ItemCount = itemCount;
        CreatorCount = creatorCount;
        GenreCount = genreCount;
        _itemCreators = itemCreators;
        _itemGenres = itemGenres;
        Parameters = parameters;
        _users = users;
        _items = items;
        Report = report;
    }

    public TwoTowerOptions Options { get; }
    public int UserCount { get; }
    public int ItemCount { get; }
    public int CreatorCount { get; }
    public int GenreCount { get; }

    /// <summary>Width of every embedding row.</summary>
    public int Dimension => Options.OutputDim;

    public TwoTowerReport Report { get; }

    /// <summary>The tower weights the embeddings were computed with (in the network's parameter order).</summary>
    public IReadOnlyList<TwoTowerParameter> Parameters { get; }

    /// <summary>User embeddings, row-major UserCount × Dimension.</summary>
    public ReadOnlyMemory<float> UserEmbeddings => _users;

    /// <summary>Item embeddings, row-major ItemCount × Dimension.</summary>
    public ReadOnlyMemory<float> ItemEmbeddings => _items;

    internal ReadOnlySpan<int> ItemCreators => _itemCreators;
    internal ReadOnlySpan<int> ItemGenres => _itemGenres;

    /// <summary>A copy of the user embeddings (row-major UserCount × Dimension) for an index builder to own.</summary>
    public float[] ExportUserEmbeddings() => (float[])_users.Clone();

    /// <summary>A copy of the item embeddings (row-major ItemCount × Dimension) for an index builder to own.</summary>
    public float[] ExportItemEmbeddings() => (float[])_items.Clone();

    /// <summary>The embedding of one user (<see cref="Side.User"/>) or item (<see cref="Side.Item"/>).</summary>
    public ReadOnlySpan<float> Embedding(Side side, int id)
    {
        var (matrix, count, name) = side == Side.User ? (_users, UserCount, "user") : (_items, ItemCount, "item");
        if ((uint)id >= (uint)count) throw new ArgumentException($"Expected {name} ids in [0, {count}), actual {id}.", nameof(id));
        return matrix.AsSpan(id * Dimension, Dimension);
    }

    /// <summary>Scores the pairs (users[k], items[k]): the inner products of their embeddings.</summary>
    /// <exception cref="ArgumentException">The arrays differ in length or an id is outside its table.</exception>
    public float[] Score(int[] users, int[] items)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        TensorGuard.SameLength(items.Length, users.Length, nameof(items), nameof(users));
        CheckIds(users, UserCount, nameof(users));
        CheckIds(items, ItemCount, nameof(items));
        var scores = new float[users.Length];
        for (var k = 0; k < users.Length; k++)
            scores[k] = System.Numerics.Tensors.TensorPrimitives.Dot(
                _users.AsSpan(users[k] * Dimension, Dimension), _items.AsSpan(items[k] * Dimension, Dimension));
        return scores;
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (see <see cref="TwoTowerCheckpoint"/>).</summary>
    public void Save(string path) => TwoTowerCheckpoint.Save(this, path);

    /// <summary>Reads a model written by <see cref="Save"/>; a wrong, truncated or inconsistent file raises a clear error.</summary>
    public static TwoTowerModel Load(string path) => TwoTowerCheckpoint.Load(path);

    private static void CheckIds(ReadOnlySpan<int> ids, int count, string name)
    {
        for (var k = 0; k < ids.Length; k++)
            if ((uint)ids[k] >= (uint)count)
                throw new ArgumentException($"Expected ids in [0, {count}), actual {name}[{k}] = {ids[k]}.", name);
    }
}
