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

        // One prediction call for every (user, item) pair of the batch; item j's pairs start at offsets[j].
        var offsets = new int[queries.Count + 1];
        for (var j = 0; j < queries.Count; j++) offsets[j + 1] = offsets[j] + candidates[j].Count;
        var users = new int[offsets[^1]];
        var pairItems = new int[users.Length];
        for (var j = 0; j < queries.Count; j++)
            for (var c = 0; c < candidates[j].Count; c++)
            {
                users[offsets[j] + c] = candidates[j][c].Id;
                pairItems[offsets[j] + c] = queries[j];
            }
        var scores = users.Length == 0 ? [] : Score(users, pairItems);

        var requests = new ReservationRequest[queries.Count];
        var positions = new Dictionary<int, int>[queries.Count];
        for (var j = 0; j < queries.Count; j++)
        {
            // Best g_ui first, ties by user id (users are distinct within an item's candidates).
            var keys = new ulong[candidates[j].Count];
            positions[j] = new Dictionary<int, int>(keys.Length);
            for (var c = 0; c < keys.Length; c++)
            {
                var p = offsets[j] + c;
                keys[c] = RankKey.Of(scores[p], users[p]);
                positions[j][users[p]] = p;
            }
            Array.Sort(keys);
            requests[j] = new ReservationRequest(queries[j], Array.ConvertAll(keys, RankKey.Id));
        }
        var reservations = _store.ReserveMany(day, requests, _options.Limit);
        for (var j = 0; j < queries.Count; j++)
        {
            var reservation = reservations[j];
            foreach (var user in reservation.Filled) Available.Remove(user);
            var position = positions[j];
            var chosen = new DispatchedUser[reservation.Users.Count];
            for (var c = 0; c < chosen.Length; c++)
            {
                var user = reservation.Users[c];
                chosen[c] = reservation.AlreadyDispatched
                    ? new DispatchedUser(user, null, null)
                    : new DispatchedUser(user, scores[position[user]], candidates[j][position[user] - offsets[j]].Source);
            }
            results[fresh[j]] = new Dispatch(queries[j], chosen, reservation.AlreadyDispatched);
        }
        return results;
    }

    /// <summary>g_ui of each pair (Σ β_m s^m_ui, divided by θ_u when the version uses the user bias).</summary>
    private float[] Score(int[] users, int[] items) => Integrate(_predictor.Predict(users, items), _predictor.Tasks, _options, users, _bias);

    /// <summary>The creator-side score of predictions [pairs, tasks] for the pairs' users, as <see cref="Dispatch"/> ranks by.</summary>
    internal static float[] Integrate(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, DispatchOptions options, int[] users, UserBias? bias) =>
        ScoreIntegration.CreatorSide(predictions, tasks, options.Beta, users, options.UseUserBias ? bias : null);
}

/// <summary>The users an item was matched with.</summary>
public sealed record Dispatch(int Item, IReadOnlyList<DispatchedUser> Users, bool AlreadyDispatched);

/// <summary>
/// A matched user with its creator-side score g_ui and the retrieval source it is attributed to (both null when the
/// item had been dispatched before: the ledger keeps the users, not how they were found).
/// </summary>
public readonly record struct DispatchedUser(int User, float? Score, RetrievalSource? Source);
