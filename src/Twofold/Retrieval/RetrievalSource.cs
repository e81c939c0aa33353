using Twofold.Domain;

namespace Twofold.Retrieval;

/// <summary>The three retrieval algorithms; each serves both sides (DualRec §3.2).</summary>
public enum RetrievalKind
{
    /// <summary>Query → its history → nodes similar to those (u2i2i on the user side, i2u2u on the creator side).</summary>
    HistoryThenSimilarity,
    /// <summary>Query → similar queries → their histories (u2u2i on the user side, i2i2u on the creator side).</summary>
    SimilarityThenHistory,
    /// <summary>The query tower's embedding searched in the other side's vector index.</summary>
    TwoTower,
    /// <summary>The items the creator-side recommender matched to the user, D_u (DualRec §4.2.3); user side only.</summary>
    CreatorSideMatches,
    /// <summary>New items with few exposures, the extra retrieval of the Base strategy (DualRec §5.1.3); user side only.</summary>
    NewItems,
}

/// <summary>Where a candidate came from: an algorithm applied on one side. Kept for exposure attribution.</summary>
/// <param name="Side">The side the query is on: <see cref="Domain.Side.User"/> retrieves items, <see cref="Domain.Side.Item"/> users.</param>
public readonly record struct RetrievalSource(RetrievalKind Kind, Side Side)
{
    /// <summary>The names of DualRec and the industry: u2i2i, u2u2i, i2u2u, i2i2u, two-tower.</summary>
    public override string ToString() => (Kind, Side) switch
    {
        (RetrievalKind.HistoryThenSimilarity, Side.User) => "u2i2i",
        (RetrievalKind.SimilarityThenHistory, Side.User) => "u2u2i",
        (RetrievalKind.HistoryThenSimilarity, Side.Item) => "i2u2u",
        (RetrievalKind.SimilarityThenHistory, Side.Item) => "i2i2u",
        (RetrievalKind.TwoTower, Side.User) => "two-tower-items",
        (RetrievalKind.TwoTower, Side.Item) => "two-tower-users",
        (RetrievalKind.CreatorSideMatches, Side.User) => "creator-side",
        (RetrievalKind.NewItems, Side.User) => "new-items",
        _ => $"{Kind}-{Side}",
    };
}

/// <summary>A retrieved node on the other side with its retrieval score and source.</summary>
public readonly record struct Candidate(int Id, float Score, RetrievalSource Source);
