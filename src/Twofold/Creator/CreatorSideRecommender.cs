using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Retrieval;

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
        Available.Reset(activeUsers.Where(u => _store.IsAvailable(day, u)));
    }

    /// <summary>Finds and reserves up to L users for <paramref name="item"/>. Idempotent by item.</summary>
    public Dispatch Dispatch(int day, int item)
    {
        var already = _store.ReservedUsers(day, item);
        if (already.Count > 0) return new Dispatch(item, already.Select(u => new DispatchedUser(u, null, null)).ToList(), AlreadyDispatched: true);

        var candidates = CandidateUnion.Merge(_retrievals.Select(r => r.Retrieve(item, _options.QuotaPerSource, Available.Filter)));
        if (candidates.Count == 0)
        {
            _store.Reserve(day, item, [], _options.Limit);
            return new Dispatch(item, [], AlreadyDispatched: false);
        }

        var users = candidates.Select(c => c.Id).ToArray();
        var items = Enumerable.Repeat(item, users.Length).ToArray();
        var predictions = _predictor.Predict(users, items);
        var scores = _options.UseUserBias
            ? ScoreIntegration.CreatorSide(predictions, _predictor.Tasks, _options.Beta, users, _bias!)
            : ScoreIntegration.UserSide(predictions, _predictor.Tasks, _options.Beta);
        var ranked = Enumerable.Range(0, users.Length).OrderByDescending(p => scores[p]).ThenBy(p => users[p]).ToList();

        var reservation = _store.Reserve(day, item, ranked.Select(p => users[p]).ToList(), _options.Limit);
        foreach (var user in reservation.Filled) Available.Remove(user);
        var position = ranked.ToDictionary(p => users[p], p => p);
        var chosen = reservation.Users.Select(u => new DispatchedUser(u, scores[position[u]], candidates[position[u]].Source)).ToList();
        return new Dispatch(item, chosen, reservation.AlreadyDispatched);
    }
}

/// <summary>The users an item was matched with.</summary>
public sealed record Dispatch(int Item, IReadOnlyList<DispatchedUser> Users, bool AlreadyDispatched);

/// <summary>
/// A matched user with its creator-side score g_ui and the retrieval source it is attributed to (both null when the
/// item had been dispatched before: the ledger keeps the users, not how they were found).
/// </summary>
public readonly record struct DispatchedUser(int User, float? Score, RetrievalSource? Source);
