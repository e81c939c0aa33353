namespace Twofold.Vectors;

/// <summary>One search result: a point id and its inner product with the query.</summary>
/// <remarks>Results are ordered by score descending, then by id ascending, so ties are deterministic.</remarks>
public readonly record struct Neighbor(int Id, float Score)
{
    /// <summary>True when (<paramref name="score"/>, <paramref name="id"/>) ranks before (<paramref name="otherScore"/>, <paramref name="otherId"/>).</summary>
    public static bool RanksBefore(float score, int id, float otherScore, int otherId) =>
        score > otherScore || (score == otherScore && id < otherId);
}
