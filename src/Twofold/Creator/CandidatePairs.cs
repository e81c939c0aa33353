using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Retrieval;

namespace Twofold.CreatorSide;

/// <summary>
/// Several queries' candidates as one list of (user, item) pairs, query by query, with the ranker's predictions for
/// all of them from one call: the layout both recommenders score in (a feed's items for its user, a new item's users
/// for the item). The arrays are rented from the caller's scope and longer than <see cref="Count"/>.
/// </summary>
internal sealed class CandidatePairs
{
    /// <summary>Query j's pairs are the rows [Offsets[j], Offsets[j + 1]).</summary>
    public required int[] Offsets { get; init; }
    public required int[] Users { get; init; }
    public required int[] Items { get; init; }
    /// <summary>Row-major [pairs, tasks] predictions.</summary>
    public required float[] Predictions { get; init; }
    public int Count => Offsets[^1];

    /// <param name="querySide">The queries' side: <see cref="Side.User"/> for feeds (candidates are items), <see cref="Side.Item"/> for dispatch.</param>
    public static CandidatePairs Predict(IReadOnlyList<int> queries, IReadOnlyList<List<MergedCandidate>> candidates, Side querySide,
        IFeedbackPredictor predictor, RentedArrays rented)
    {
        var offsets = new int[queries.Count + 1];
        for (var j = 0; j < queries.Count; j++) offsets[j + 1] = offsets[j] + candidates[j].Count;
        var count = offsets[^1];
        var tasks = predictor.Tasks.Count;
        // Rented: allocated anew, these arrays (the predictions above all) were about a quarter of what a dispatch
        // allocated once the prediction's inputs were pooled (bench/README.md, "Allocations of a dispatch").
        var (users, items, predictions) = (rented.Rent<int>(count), rented.Rent<int>(count), rented.Rent<float>(count * tasks));
        var (queryIds, candidateIds) = querySide == Side.User ? (users, items) : (items, users);
        for (var j = 0; j < queries.Count; j++)
            for (var c = 0; c < candidates[j].Count; c++)
            {
                queryIds[offsets[j] + c] = queries[j];
                candidateIds[offsets[j] + c] = candidates[j][c].Id;
            }
        if (count > 0) predictor.Predict(users.AsSpan(0, count), items.AsSpan(0, count), predictions.AsSpan(0, count * tasks));
        return new CandidatePairs { Offsets = offsets, Users = users, Items = items, Predictions = predictions };
    }
}
