using Twofold.Vectors;

namespace Twofold.CreatorSide;

/// <summary>
/// The in-process part of the available user set Ũ (DualRec §4.2.2): a bitset the retrievals filter on, and,
/// when user embeddings are known, the compacted matrix of the available users' embeddings that the two-tower
/// retrieval scans. Both shrink as users reach Q. The ledger itself is the <see cref="IAvailabilityStore"/>; this
/// view may lag it when another dispatcher fills a user, which costs at most a wasted candidate: the store refuses
/// full users at reservation time.
/// </summary>
public sealed class AvailableUsers
{
    private readonly float[]? _embeddings;
    private readonly int _dimension;

    /// <param name="userEmbeddings">Row-major user embeddings (users × dimension), or null without a two-tower model.</param>
    /// <param name="clustered">When the two-tower search goes through k-means clusters of the users instead of the exact
    /// scan (<see cref="ClusteredSearchOptions"/>); null scans exactly. The clusters are trained here, once for these embeddings.</param>
    public AvailableUsers(int users, float[]? userEmbeddings = null, int dimension = 0, ClusteredSearchOptions? clustered = null)
    {
        if (users < 0) throw new ArgumentOutOfRangeException(nameof(users), users, "The user count cannot be negative.");
        if (userEmbeddings is not null && (dimension < 1 || userEmbeddings.Length != (long)users * dimension))
            throw new ArgumentException($"Expected {users} × {dimension} embedding values, got {userEmbeddings.Length}.", nameof(userEmbeddings));
        Filter = new IdFilter(users);
        _embeddings = userEmbeddings;
        _dimension = dimension;
        // The two-tower scan over the available users is the largest step of a dispatch at a million users: its first
        // pass reads 8-bit copies of the embeddings (a quarter of the bytes) and re-scores the candidates exactly.
        // At a million users even that scan dominates a dispatch; the clustered set reads only the users of the clusters
        // nearest each item (docs/ann.md, "The clustered available set").
        if (userEmbeddings is null) return;
        var scales = CompactVectorSet.QuantisationScales(userEmbeddings, dimension);
        Embeddings = clustered is not null && clustered.Applies(users)
            ? clustered.Build(userEmbeddings, dimension, scales)
            : new CompactVectorSet(dimension, users, scales);
    }

    public IdFilter Filter { get; }

    /// <summary>The available users' embeddings, compacted (whole, or per cluster); null without user embeddings.</summary>
    public IVectorSubset? Embeddings { get; }

    public int Count => Filter.Count;

    /// <summary>Starts a day: exactly the predicted-active users are available.</summary>
    public void Reset(IEnumerable<int> activeUsers)
    {
        foreach (var user in Enumerable.Range(0, Filter.Capacity).Where(Filter.Contains).ToList()) Remove(user);
        foreach (var user in activeUsers)
        {
            if (!Filter.Set(user)) continue;
            Embeddings?.Add(user, _embeddings.AsSpan(user * _dimension, _dimension));
        }
    }

    /// <summary>A user reached Q (or is otherwise no longer available).</summary>
    public void Remove(int user)
    {
        if (Filter.Clear(user)) Embeddings?.Remove(user);
    }
}
