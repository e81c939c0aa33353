using Twofold.Vectors;

namespace Twofold.Retrieval;

/// <summary>One retrieval source of a recommender: candidates on the other side for a query, with its source.</summary>
public interface ICandidateRetrieval
{
    RetrievalSource Source { get; }

    /// <param name="query">The user (user side) or item (creator side) id.</param>
    /// <param name="quota">Candidates returned at most.</param>
    /// <param name="filter">Only ids it admits may be returned; null admits all.</param>
    IReadOnlyList<Candidate> Retrieve(int query, int quota, IdFilter? filter);

    /// <summary>
    /// <see cref="Retrieve"/> for several queries; a source that can share work between them (one pass of an exact
    /// scan for all queries) overrides it.
    /// </summary>
    IReadOnlyList<IReadOnlyList<Candidate>> RetrieveMany(IReadOnlyList<int> queries, int quota, IdFilter? filter) =>
        queries.Select(q => Retrieve(q, quota, filter)).ToList();
}

/// <summary>A two-hop retrieval (<see cref="TwoHopRetriever"/> with a fixed algorithm and side) as a retrieval source.</summary>
public sealed class TwoHopRetrieval(TwoHopRetriever retriever, RetrievalKind kind, Domain.Side side) : ICandidateRetrieval
{
    public RetrievalSource Source { get; } = new(kind, side);

    public IReadOnlyList<Candidate> Retrieve(int query, int quota, IdFilter? filter) =>
        retriever.Retrieve(kind, side, query, quota, filter);
}
