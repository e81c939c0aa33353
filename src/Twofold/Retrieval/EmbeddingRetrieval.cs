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
    private readonly Func<float[], int, IdFilter?, Neighbor[][]>? _searchMany;

    /// <param name="side">The query's side.</param>
    /// <param name="queryEmbedding">The query's tower embedding, or null when the tower cannot embed it.</param>
    /// <param name="search">Top-k inner-product search over the other side, honouring the filter.</param>
    /// <param name="searchMany">The same for row-major queries at once; null searches one query after the other.</param>
    public EmbeddingRetrieval(Side side, Func<int, float[]?> queryEmbedding, Func<float[], int, IdFilter?, Neighbor[]> search,
        Func<float[], int, IdFilter?, Neighbor[][]>? searchMany = null)
    {
        Source = new RetrievalSource(RetrievalKind.TwoTower, side);
        _queryEmbedding = queryEmbedding;
        _search = search;
        _searchMany = searchMany;
    }

    public RetrievalSource Source { get; }

    /// <summary>
    /// Over a set that holds exactly the admitted ids (the filter is then already applied): the compacted set, or its
    /// clustered form. Several queries share passes over the vectors (<see cref="IVectorSubset.SearchBatch"/>).
    /// </summary>
    public static EmbeddingRetrieval OverCompactedSet(Side side, Func<int, float[]?> queryEmbedding, IVectorSubset vectors) =>
        new(side, queryEmbedding,
            (query, k, filter) => Admitted(vectors.Search(query, k), filter),
            (queries, k, filter) => [.. vectors.SearchBatch(queries, k).Select(found => Admitted(found, filter))]);

    private static Neighbor[] Admitted(Neighbor[] found, IdFilter? filter)
    {
        if (filter is null) return found;
        var admitted = 0;
        foreach (var n in found) if (filter.Contains(n.Id)) admitted++;
        if (admitted == found.Length) return found; // the set holds only admitted ids: the usual case
        var kept = new Neighbor[admitted];
        admitted = 0;
        foreach (var n in found) if (filter.Contains(n.Id)) kept[admitted++] = n;
        return kept;
    }

    /// <summary>Over an HNSW index, which chooses per query between graph search and an exact scan of the admitted ids.</summary>
    public static EmbeddingRetrieval OverGraph(Side side, Func<int, float[]?> queryEmbedding, HnswIndex index) =>
        new(side, queryEmbedding, (query, k, filter) => index.Search(query, k, filter));

    public IReadOnlyList<Candidate> Retrieve(int query, int quota, IdFilter? filter)
    {
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "The quota must be at least 1.");
        var embedding = _queryEmbedding(query);
        if (embedding is null) return [];
        return Candidates(_search(embedding, quota, filter));
    }

    private Candidate[] Candidates(Neighbor[] found)
    {
        var candidates = new Candidate[found.Length];
        for (var k = 0; k < found.Length; k++) candidates[k] = new Candidate(found[k].Id, found[k].Score, Source);
        return candidates;
    }

    public IReadOnlyList<IReadOnlyList<Candidate>> RetrieveMany(IReadOnlyList<int> queries, int quota, IdFilter? filter)
    {
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "The quota must be at least 1.");
        var embeddings = queries.Select(_queryEmbedding).ToList();
        var embedded = embeddings.Where(e => e is not null).Cast<float[]>().ToList();
        if (_searchMany is null || embedded.Count < 2) return queries.Select(q => Retrieve(q, quota, filter)).ToList();
        var dimension = embedded[0].Length;
        var rows = new float[embedded.Count * dimension];
        for (var k = 0; k < embedded.Count; k++) embedded[k].CopyTo(rows, k * dimension);
        var found = _searchMany(rows, quota, filter);
        var results = new IReadOnlyList<Candidate>[queries.Count];
        for (int q = 0, next = 0; q < queries.Count; q++)
            results[q] = embeddings[q] is null ? [] : Candidates(found[next++]);
        return results;
    }
}
