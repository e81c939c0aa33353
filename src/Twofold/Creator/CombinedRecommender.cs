using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Vectors;

namespace Twofold.CreatorSide;

/// <summary>Settings of the combined recommendation (DualRec §4.2.3).</summary>
/// <param name="Lambda">λ of eq. 14: the boost f′_ui = f_ui + λ g_ui for items in D_u.</param>
/// <param name="NewItemBoost">Added to f_ui of the items the caller marks new (the Base strategy's boost, DualRec §5.1.3); 0 for none.</param>
public sealed record CombinedOptions(double Lambda = 1.0, int QuotaPerSource = 200, double NewItemBoost = 0)
{
    public ScoreWeights Alpha { get; init; } = ScoreWeights.UserSideDefault;
    public ScoreWeights Beta { get; init; } = ScoreWeights.CreatorSideDefault;

    /// <summary>
    /// Whether the pipeline gives the feed's boost g_ui the θ_u of the creator side (when the version uses θ_u); false
    /// boosts by the plain β-weighted sum, so λ means the same for every user.
    /// </summary>
    public bool BoostWithUserBias { get; init; } = true;

    public void Validate()
    {
        if (!double.IsFinite(Lambda) || Lambda < 0) throw new ArgumentException($"CombinedOptions.Lambda must be a non-negative number, not {Lambda}.");
        if (QuotaPerSource < 1) throw new ArgumentException($"CombinedOptions.QuotaPerSource must be at least 1, not {QuotaPerSource}.");
        if (!double.IsFinite(NewItemBoost) || NewItemBoost < 0) throw new ArgumentException($"CombinedOptions.NewItemBoost must be a non-negative number, not {NewItemBoost}.");
        Alpha.Validate();
        Beta.Validate();
    }
}

/// <summary>
/// The feed of a visiting user (DualRec §4.2.3): the user-side retrievals plus the cached creator-side matches D_u
/// as one more source, all ranked by f_ui; items in D_u get f′_ui = f_ui + λ g_ui so the creator side's choices
/// reach the user. Each feed entry keeps its source, for exposure attribution.
/// </summary>
public sealed class CombinedRecommender
{
    private static readonly RetrievalSource MatchesSource = new(RetrievalKind.CreatorSideMatches, Side.User);

    private readonly IReadOnlyList<ICandidateRetrieval> _retrievals;
    private readonly IFeedbackPredictor _userPredictor;
    private readonly IFeedbackPredictor? _creatorPredictor;
    private readonly UserBias? _bias;
    private readonly IAvailabilityStore? _store;
    private readonly CombinedOptions _options;

    /// <param name="retrievals">User-side sources in priority order for attribution.</param>
    /// <param name="creatorPredictor">The creator-side model for g_ui; with <paramref name="store"/> null, there is no D_u source.</param>
    /// <param name="bias">θ_u for g_ui; null for the plain weighted sum.</param>
    /// <param name="store">The result cache D_u; null for a purely user-side recommender.</param>
    public CombinedRecommender(IReadOnlyList<ICandidateRetrieval> retrievals, IFeedbackPredictor userPredictor,
        IFeedbackPredictor? creatorPredictor, UserBias? bias, IAvailabilityStore? store, CombinedOptions options)
    {
        options.Validate();
        if (retrievals.Any(r => r.Source.Side != Side.User))
            throw new ArgumentException("User-side retrievals query by user; a creator-side source was given.", nameof(retrievals));
        if (store is not null && creatorPredictor is null)
            throw new ArgumentException("Ranking the creator-side matches needs the creator-side prediction model.", nameof(creatorPredictor));
        _retrievals = retrievals;
        _userPredictor = userPredictor;
        _creatorPredictor = creatorPredictor;
        _bias = bias;
        _store = store;
        _options = options;
    }

    /// <param name="itemFilter">Items the user may be shown (e.g. the items of the user's experiment arm); null for all.</param>
    /// <param name="isNewItem">Which items get <see cref="CombinedOptions.NewItemBoost"/>; null for none.</param>
    public IReadOnlyList<FeedEntry> Feed(int day, int user, int k, IdFilter? itemFilter = null, Func<int, bool>? isNewItem = null)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "A feed has at least one slot.");
        var lists = new List<IReadOnlyList<Candidate>>();
        var matched = new HashSet<int>();
        if (_store is not null)
        {
            var cache = _store.MatchedItems(day, user).Where(i => itemFilter is null || itemFilter.Contains(i)).ToList();
            matched.UnionWith(cache);
            lists.Add(cache.Select(i => new Candidate(i, 0, MatchesSource)).ToList());
        }
        lists.AddRange(_retrievals.Select(r => r.Retrieve(user, _options.QuotaPerSource, itemFilter)));
        var candidates = CandidateUnion.Merge(lists);
        if (candidates.Count == 0) return [];

        var items = candidates.Select(c => c.Id).ToArray();
        var users = Enumerable.Repeat(user, items.Length).ToArray();
        var f = ScoreIntegration.UserSide(_userPredictor.Predict(users, items), _userPredictor.Tasks, _options.Alpha);
        if (isNewItem is not null && _options.NewItemBoost > 0)
            for (var p = 0; p < items.Length; p++)
                if (isNewItem(items[p])) f[p] += (float)_options.NewItemBoost;
        var boosted = new bool[items.Length];
        if (matched.Count > 0)
        {
            var rows = Enumerable.Range(0, items.Length).Where(p => matched.Contains(items[p])).ToArray();
            var matchedItems = rows.Select(p => items[p]).ToArray();
            var matchedUsers = Enumerable.Repeat(user, rows.Length).ToArray();
            var predictions = _creatorPredictor!.Predict(matchedUsers, matchedItems);
            var g = _bias is null
                ? ScoreIntegration.UserSide(predictions, _creatorPredictor.Tasks, _options.Beta)
                : ScoreIntegration.CreatorSide(predictions, _creatorPredictor.Tasks, _options.Beta, matchedUsers, _bias);
            for (var r = 0; r < rows.Length; r++)
            {
                f[rows[r]] += (float)(_options.Lambda * g[r]);
                boosted[rows[r]] = true;
            }
        }
        return Enumerable.Range(0, items.Length).OrderByDescending(p => f[p]).ThenBy(p => items[p]).Take(k)
            .Select(p => new FeedEntry(items[p], f[p], candidates[p].Source, boosted[p])).ToList();
    }
}

/// <summary>One slot of a feed: the item, its (boosted) score f′_ui, the source it is attributed to, and whether it was in D_u.</summary>
public readonly record struct FeedEntry(int Item, float Score, RetrievalSource Source, bool FromCreatorSide);
