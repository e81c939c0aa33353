using Twofold.Domain;
using Twofold.Vectors;

namespace Twofold.Retrieval;

/// <summary>
/// Two-tower retrieval: the query's tower embedding searched by inner product in the other side's vectors. On the
/// creator side the vectors are the compacted set of available users (swap-removed as users fill up), so the
/// exact scan reads only users that can still be matched; on the user side any index over items serves.
/// </summary>
public sealed class EmbeddingRetrieval : ICandidateRetrieval
{
    private readonly Func<int, float[]?> _queryEmbedding;
    private readonly Func<float[], int, IdFilter?, Neighbor[]> _search;

    /// <param name="side">The query's side.</param>
    /// <param name="queryEmbedding">The query's tower embedding, or null when the tower cannot embed it.</param>
    /// <param name="search">Top-k inner-product search over the other side, honouring the filter.</param>
    public EmbeddingRetrieval(Side side, Func<int, float[]?> queryEmbedding, Func<float[], int, IdFilter?, Neighbor[]> search)
    {
        Source = new RetrievalSource(RetrievalKind.TwoTower, side);
        _queryEmbedding = queryEmbedding;
        _search = search;
    }

    public RetrievalSource Source { get; }

    /// <summary>Over a compacted set that holds exactly the admitted ids (the filter is then already applied).</summary>
    public static EmbeddingRetrieval OverCompactedSet(Side side, Func<int, float[]?> queryEmbedding, CompactVectorSet vectors) =>
        new(side, queryEmbedding, (query, k, filter) =>
            filter is null ? vectors.Search(query, k) : [.. vectors.Search(query, k).Where(n => filter.Contains(n.Id))]);

    /// <summary>Over an HNSW index, which chooses per query between graph search and an exact scan of the admitted ids.</summary>
    public static EmbeddingRetrieval OverGraph(Side side, Func<int, float[]?> queryEmbedding, HnswIndex index) =>
        new(side, queryEmbedding, (query, k, filter) => index.Search(query, k, filter));

    public IReadOnlyList<Candidate> Retrieve(int query, int quota, IdFilter? filter)
    {
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "The quota must be at least 1.");
        var embedding = _queryEmbedding(query);
        if (embedding is null) return [];
        return _search(embedding, quota, filter).Select(n => new Candidate(n.Id, n.Score, Source)).ToList();
    }
}
