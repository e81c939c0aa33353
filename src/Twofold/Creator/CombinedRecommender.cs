using System.Buffers;
using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Vectors;

namespace Twofold.CreatorSide;

/// <summary>Settings of the combined recommendation (DualRec §4.2.3).</summary>
/// <param name="Lambda">λ of eq. 14: the boost f′_ui = f_ui + λ g_ui for items in D_u.</param>
/// <param name="QuotaPerSource">Candidates asked of each user-side source per feed.</param>
/// <param name="NewItemBoost">Added to f_ui of the items the caller marks new (the Base strategy's boost, DualRec §5.1.3); 0 for none.</param>
public sealed record CombinedOptions(double Lambda = 1.0, int QuotaPerSource = CombinedOptions.DefaultQuotaPerSource, double NewItemBoost = 0)
{
    /// <summary>
    /// The quota the simulator evaluates strategies with (<see cref="Simulation.PlatformOptions.FeedQuotaPerSource"/>),
    /// and so what the service and <c>twofold feed</c> serve unless configured otherwise: a feed serves what was evaluated.
    /// </summary>
    public const int DefaultQuotaPerSource = 100;

    public ScoreWeights Alpha { get; init; } = ScoreWeights.UserSideDefault;
    public ScoreWeights Beta { get; init; } = ScoreWeights.CreatorSideDefault;

    /// <summary>
    /// Whether the pipeline gives the feed's boost g_ui the θ_u of the creator side (when the version uses θ_u); false
    /// boosts by the plain β-weighted sum, so λ means the same for every user.
    /// </summary>
    public bool BoostWithUserBias { get; init; } = true;

    /// <summary>
    /// Threads one <see cref="CombinedRecommender.Feeds"/> call may use (default: every core): its users' retrieval
    /// runs in that many slices and their feeds are sorted side by side. A host that serves concurrent requests on
    /// every core already (the service) sets 1, so a call stays on its own thread (see
    /// <see cref="Ranking.FeedbackModel.PredictionThreads"/>).
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    public void Validate()
    {
        if (Threads < 1) throw new ArgumentException($"CombinedOptions.Threads must be at least 1, not {Threads}.");
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
    /// <summary>Items both models can score; D_u items from beyond them are left out (see <see cref="Retrieve"/>).</summary>
    private readonly int _knownItems;

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
        _knownItems = Math.Min(userPredictor.Items, creatorPredictor?.Items ?? int.MaxValue);
    }

    /// <summary>The settings this recommender serves with.</summary>
    public CombinedOptions Options => _options;

    /// <param name="itemFilter">Items the user may be shown (e.g. the items of the user's experiment arm); null for all.</param>
    /// <param name="isNewItem">Which items get <see cref="CombinedOptions.NewItemBoost"/>; null for none.</param>
    public IReadOnlyList<FeedEntry> Feed(int day, int user, int k, IdFilter? itemFilter = null, Func<int, bool>? isNewItem = null) =>
        Feeds(day, [user], [k], itemFilter, isNewItem)[0];

    /// <summary>
    /// The feeds of several visiting users at once, each exactly what <see cref="Feed"/> gives that user: retrieval
    /// runs in parallel over slices of the users (every source is read-only while serving), each source answering a
    /// slice's users together (<see cref="ICandidateRetrieval.RetrieveMany"/>: the two-tower search of a large
    /// catalogue shares one pass over its items), and the ranking models score the candidates of all of them in one
    /// batched call, which is where a feed's time goes one user at a time.
    /// </summary>
    /// <param name="lengths">The feed length k of each user.</param>
    public IReadOnlyList<FeedEntry>[] Feeds(int day, ReadOnlySpan<int> users, ReadOnlySpan<int> lengths, IdFilter? itemFilter = null,
        Func<int, bool>? isNewItem = null)
    {
        if (lengths.Length != users.Length) throw new ArgumentException($"{lengths.Length} feed lengths were given for {users.Length} users.", nameof(lengths));
        foreach (var k in lengths)
            if (k < 1) throw new ArgumentOutOfRangeException(nameof(lengths), k, "A feed has at least one slot.");
        var count = users.Length;
        var queries = users.ToArray();
        var candidates = new List<MergedCandidate>[count];
        var matched = new HashSet<int>?[count];
        var slices = Math.Min(count, _options.Threads);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Threads };
        Parallel.For(0, slices, parallel, s =>
        {
            var (from, to) = (count * s / slices, count * (s + 1) / slices);
            Retrieve(day, new ArraySegment<int>(queries, from, to - from), itemFilter, candidates, matched);
        });

        // Every user's candidates as one list of (user, item) pairs, user by user, scored in one prediction call.
        using var rented = new RentedArrays();
        var batch = CandidatePairs.Predict(queries, candidates, Side.User, _userPredictor, rented);
        var (offsets, pairUsers, pairItems, pairs) = (batch.Offsets, batch.Users, batch.Items, batch.Count);
        var f = rented.Rent<float>(pairs);
        ScoreIntegration.UserSide(batch.Predictions.AsSpan(0, pairs * _userPredictor.Tasks.Count), _userPredictor.Tasks, _options.Alpha, f.AsSpan(0, pairs));
        var boosted = rented.Rent<bool>(pairs);
        var boostedRows = new List<int>();
        for (var p = 0; p < count; p++)
            for (var row = offsets[p]; row < offsets[p + 1]; row++)
            {
                boosted[row] = false;
                if (matched[p] is { } cache && cache.Contains(pairItems[row])) boostedRows.Add(row);
            }
        if (isNewItem is not null && _options.NewItemBoost > 0)
            for (var row = 0; row < pairs; row++)
                if (isNewItem(pairItems[row])) f[row] += (float)_options.NewItemBoost;
        if (boostedRows.Count > 0)
        {
            var matchedUsers = boostedRows.Select(r => pairUsers[r]).ToArray();
            var matchedItems = boostedRows.Select(r => pairItems[r]).ToArray();
            var g = ScoreIntegration.CreatorSide(_creatorPredictor!.Predict(matchedUsers, matchedItems), _creatorPredictor.Tasks, _options.Beta, matchedUsers, _bias);
            for (var r = 0; r < boostedRows.Count; r++)
            {
                f[boostedRows[r]] += (float)(_options.Lambda * g[r]);
                boosted[boostedRows[r]] = true;
            }
        }

        var feeds = new IReadOnlyList<FeedEntry>[count];
        var ks = lengths.ToArray();
        Parallel.For(0, count, parallel, p => feeds[p] = Best(candidates[p], offsets[p], ks[p], f, pairItems, boosted));
        return feeds;
    }

    /// <summary>
    /// One user's feed: the <paramref name="k"/> best of its candidates (rows [first, first + candidates)), by f′_ui
    /// and on equal scores the smaller item id first.
    /// </summary>
    private static List<FeedEntry> Best(List<MergedCandidate> candidates, int first, int k, float[] scores, int[] items, bool[] boosted)
    {
        var n = candidates.Count;
        var keys = ArrayPool<ulong>.Shared.Rent(n);
        var rows = ArrayPool<int>.Shared.Rent(n);
        try
        {
            for (var c = 0; c < n; c++)
            {
                keys[c] = RankKey.Of(scores[first + c], items[first + c]);
                rows[c] = c;
            }
            Array.Sort(keys, rows, 0, n);
            var feed = new List<FeedEntry>(Math.Min(k, n));
            for (var place = 0; place < feed.Capacity; place++)
            {
                var (c, row) = (rows[place], first + rows[place]);
                feed.Add(new FeedEntry(items[row], scores[row], candidates[c].Source, boosted[row]));
            }
            return feed;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(rows);
        }
    }

    /// <summary>
    /// For each of <paramref name="users"/> (a slice of the feeds' users, at the same positions in the outputs): the
    /// union of the user's sources, the cached matches D_u first; and D_u itself (null without a store or when empty).
    /// </summary>
    private void Retrieve(int day, ArraySegment<int> users, IdFilter? itemFilter, List<MergedCandidate>[] candidates, HashSet<int>?[] matched)
    {
        var perSource = _retrievals.Select(r => r.RetrieveMany(users, _options.QuotaPerSource, itemFilter)).ToList();
        for (var p = 0; p < users.Count; p++)
        {
            var lists = new List<IReadOnlyList<Candidate>>(perSource.Count + 1);
            HashSet<int>? cached = null;
            if (_store is not null)
            {
                // The store serves every catalogue of a growing service, and D_u may already hold an item uploaded after
                // this recommender's catalogue was taken (a feed that began before the upload's catalogue was published).
                // The models cannot score it; the user's next feed, from the grown catalogue, can.
                var cache = _store.MatchedItems(day, users[p])
                    .Where(i => i < _knownItems && (itemFilter is null || itemFilter.Contains(i))).ToList();
                cached = [.. cache];
                lists.Add(cache.Select(i => new Candidate(i, 0, MatchesSource)).ToList());
            }
            foreach (var found in perSource) lists.Add(found[p]);
            candidates[users.Offset + p] = CandidateUnion.Merge(lists);
            matched[users.Offset + p] = cached is { Count: > 0 } ? cached : null;
        }
    }
}

/// <summary>One slot of a feed: the item, its (boosted) score f′_ui, the source it is attributed to, and whether it was in D_u.</summary>
public readonly record struct FeedEntry(int Item, float Score, RetrievalSource Source, bool FromCreatorSide);
