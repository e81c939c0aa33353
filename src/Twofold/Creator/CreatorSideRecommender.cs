using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Vectors;

namespace Twofold.CreatorSide;

/// <summary>
/// The creator-side recommender of DualRec (Algorithm 1): for each new item, the creator-side retrievals restricted
/// to the available users Ũ (the filter goes into each retrieval, not after it), ranking by g_ui, the top L users,
/// and an atomic reservation in the availability store, which updates |D_u| and the result cache; users who reach Q
/// leave Ũ at once.
/// </summary>
public sealed class CreatorSideRecommender
{
    private readonly IReadOnlyList<ICandidateRetrieval> _retrievals;
    private readonly IFeedbackPredictor _predictor;
    private readonly UserBias? _bias;
    private readonly IAvailabilityStore _store;
    private readonly DispatchOptions _options;

    /// <param name="retrievals">The creator-side sources, in priority order for attribution (the caller picks them by version).</param>
    /// <param name="bias">θ_u; required when <see cref="DispatchOptions.UseUserBias"/> is set.</param>
    public CreatorSideRecommender(IReadOnlyList<ICandidateRetrieval> retrievals, IFeedbackPredictor predictor, UserBias? bias,
        IAvailabilityStore store, AvailableUsers available, DispatchOptions options)
    {
        options.Validate();
        if (retrievals.Count == 0) throw new ArgumentException("At least one retrieval source is needed.", nameof(retrievals));
        if (retrievals.Any(r => r.Source.Side != Side.Item))
            throw new ArgumentException("Creator-side retrievals query by item; a user-side source was given.", nameof(retrievals));
        if (options.UseUserBias && bias is null) throw new ArgumentException("The user bias θ_u is needed when UseUserBias is set.", nameof(bias));
        _retrievals = retrievals;
        _predictor = predictor;
        _bias = bias;
        _store = store;
        Available = available;
        _options = options;
    }

    public AvailableUsers Available { get; }

    /// <summary>Opens a day: the predicted-active users become the available set, in the store and in process.</summary>
    public void OpenDay(int day, IReadOnlyCollection<int> activeUsers)
    {
        _store.OpenDay(day, _options.Capacity, activeUsers);
        // After a restart the store may already hold the day: only users it still counts as available come back.
        Available.Reset(_store.AvailableAmong(day, activeUsers));
    }

    /// <summary>Finds and reserves up to L users for <paramref name="item"/>. Idempotent by item.</summary>
    public Dispatch Dispatch(int day, int item) => DispatchMany(day, [item])[0];

    /// <summary>
    /// Dispatches several items at once, each as <see cref="Dispatch"/> would in the order given: the sources answer
    /// all of them together (the two-tower scan of the available users is one pass for all), the ranker scores all
    /// their candidates in one call, and the store reserves them in one request (one transaction where it is
    /// durable). Users filled by an earlier item of the batch are skipped by the store for later ones, as they are
    /// for concurrent dispatchers. Idempotent by item.
    /// </summary>
    public IReadOnlyList<Dispatch> DispatchMany(int day, IReadOnlyList<int> items)
    {
        var results = new Dispatch[items.Count];
        var fresh = new List<int>();
        for (var k = 0; k < items.Count; k++)
        {
            var already = _store.ReservedUsers(day, items[k]);
            if (already.Count > 0) results[k] = new Dispatch(items[k], already.Select(u => new DispatchedUser(u, null, null)).ToList(), AlreadyDispatched: true);
            else fresh.Add(k);
        }
        if (fresh.Count == 0) return results;

        var queries = fresh.Select(k => items[k]).ToList();
        var perSource = _retrievals.Select(r => r.RetrieveMany(queries, _options.QuotaPerSource, Available.Filter)).ToList();
        var candidates = queries.Select((_, j) => CandidateUnion.Merge(perSource.Select(found => found[j]))).ToList();

        // One prediction call for every (user, item) pair of the batch; item j's pairs are [offsets[j], offsets[j + 1]).
        using var rented = new RentedArrays();
        var batch = CandidatePairs.Predict(queries, candidates, Side.Item, _predictor, rented);
        var (offsets, users, pairs) = (batch.Offsets, batch.Users, batch.Count);
        var scores = rented.Rent<float>(pairs);
        var keys = rented.Rent<ulong>(pairs);
        var order = rented.Rent<int>(pairs);
        Integrate(batch.Predictions.AsSpan(0, pairs * _predictor.Tasks.Count), _predictor.Tasks, _options, users.AsSpan(0, pairs), _bias, scores.AsSpan(0, pairs));

        var requests = new ReservationRequest[queries.Count];
        for (var j = 0; j < queries.Count; j++)
        {
            // Best g_ui first, ties by user id (users are distinct within an item's candidates); order[p] is the
            // candidate at sorted place p.
            var (start, count) = (offsets[j], candidates[j].Count);
            for (var c = 0; c < count; c++)
            {
                keys[start + c] = RankKey.Of(scores[start + c], users[start + c]);
                order[start + c] = c;
            }
            Array.Sort(keys, order, start, count);
            var ranked = new int[count];
            for (var c = 0; c < count; c++) ranked[c] = RankKey.Id(keys[start + c]);
            requests[j] = new ReservationRequest(queries[j], ranked);
        }
        var reservations = _store.ReserveMany(day, requests, _options.Limit);
        for (var j = 0; j < queries.Count; j++)
        {
            var reservation = reservations[j];
            foreach (var user in reservation.Filled) Available.Remove(user);
            results[fresh[j]] = new Dispatch(queries[j], Chosen(reservation, candidates[j], keys.AsSpan(offsets[j], candidates[j].Count),
                order.AsSpan(offsets[j], candidates[j].Count), scores.AsSpan(offsets[j], candidates[j].Count)), reservation.AlreadyDispatched);
        }
        return results;
    }

    /// <summary>
    /// The reserved users with their g_ui and source. The store returns them in the order they were asked in (best
    /// first), so one pass along the ranked candidates finds each.
    /// </summary>
    /// <param name="ranked">The item's candidates' keys in ranked order; <paramref name="order"/> gives each one's candidate.</param>
    private static DispatchedUser[] Chosen(Reservation reservation, List<MergedCandidate> candidates, ReadOnlySpan<ulong> ranked,
        ReadOnlySpan<int> order, ReadOnlySpan<float> scores)
    {
        var chosen = new DispatchedUser[reservation.Users.Count];
        var place = 0;
        for (var c = 0; c < chosen.Length; c++)
        {
            var user = reservation.Users[c];
            if (reservation.AlreadyDispatched)
            {
                chosen[c] = new DispatchedUser(user, null, null);
                continue;
            }
            while (place < ranked.Length && RankKey.Id(ranked[place]) != user) place++;
            if (place == ranked.Length)
                throw new InvalidOperationException(
                    $"The availability store returned user {user} for item {reservation.Item} out of the candidates' order, or not among them.");
            var candidate = order[place++];
            chosen[c] = new DispatchedUser(user, scores[candidate], candidates[candidate].Source);
        }
        return chosen;
    }

    /// <summary>
    /// The creator-side score g_ui of predictions [pairs, tasks] for the pairs' users (Σ β_m s^m_ui, divided by θ_u when
    /// the version uses the user bias), as <see cref="Dispatch"/> ranks by, into <paramref name="scores"/>.
    /// </summary>
    internal static void Integrate(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, DispatchOptions options,
        ReadOnlySpan<int> users, UserBias? bias, Span<float> scores) =>
        ScoreIntegration.CreatorSide(predictions, tasks, options.Beta, users, options.UseUserBias ? bias : null, scores);
}

/// <summary>The users an item was matched with.</summary>
public sealed record Dispatch(int Item, IReadOnlyList<DispatchedUser> Users, bool AlreadyDispatched);

/// <summary>
/// A matched user with its creator-side score g_ui and the retrieval source it is attributed to (both null when the
/// item had been dispatched before: the ledger keeps the users, not how they were found).
/// </summary>
public readonly record struct DispatchedUser(int User, float? Score, RetrievalSource? Source);
