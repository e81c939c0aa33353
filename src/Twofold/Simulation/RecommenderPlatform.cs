using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Similarity;
using Twofold.Storage;
using Twofold.Vectors;

namespace Twofold.Simulation;

/// <summary>
/// A platform as one experiment arm runs it, serving through the product's <see cref="DualRecPipeline"/>: it trains a
/// <see cref="ModelBundle"/> on its log (the shared warm-up history plus its arm's own impressions), refreshes the
/// graph and θ_u every night and retrains the bundle on a cadence, as a deployment would; nothing in it reads the
/// world's hidden state.
/// </summary>
/// <remarks>
/// Memory does not grow with the days simulated: the log lives on disk (the shared warm-up log and the arm's own
/// Parquet event log, one part file a night), and what the nightly refresh needs of it is kept condensed and updated
/// from each day's impressions alone — the graph, θ_u's per-user counts, and the activity history (a few bytes per
/// user and day, <see cref="ActivityHistory"/>). Retraining streams the log from disk.
/// </remarks>
public sealed class RecommenderPlatform : IArmPlatform
{
    private readonly PlatformContext _context;
    private readonly StrategyConfig _strategy;
    private readonly PlatformOptions _options;
    private readonly string _workDirectory;
    private readonly string _logDirectory;
    private readonly long[] _impressionCounts;
    private readonly long[] _interactionCounts;
    private ActivityHistory? _activity;
    private readonly GrowingContentSimilarity _content;
    private readonly int _users;
    private readonly int _creators;
    private readonly InMemoryAvailabilityStore _store = new();
    private readonly int[] _armUsers;
    private readonly int _firstDayNumber;
    private readonly List<int> _exposures = [];

    private readonly SharedFirstTraining? _shared;
    private ModelBundle _bundle = null!;
    private InteractionGraph _graph = null!;
    private UserBias _bias = null!;
    private int _snapshots;

    // Rebuilt each morning, for the grown catalogue.
    private DualRecPipeline? _pipeline;
    private IdFilter _armItems = new(0);
    private HashSet<int> _newItems = [];
    private IdFilter? _newItemFilter;
    private readonly List<CoverageTally> _coverage = [];

    /// <summary>One day's retrieval coverage of new items (DualRec Figure 8), while the day is under way.</summary>
    private sealed class CoverageTally(int day, int newItems, int matched)
    {
        public HashSet<int> Retrieved { get; } = [];

        public RetrievalCoverageDay Snapshot() => new(day, newItems, Retrieved.Count, matched);
    }

    /// <summary>
    /// Per simulated day: today's new items of the arm, how many of them the user-side two-tower retrieval restricted to
    /// new items returned for at least one visitor (top <see cref="PlatformOptions.CoverageProbeQuota"/> per visit; 0 when
    /// the probe is off), and how many the creator side matched to at least one user.
    /// </summary>
    public IReadOnlyList<RetrievalCoverageDay> Coverage => _coverage.Select(c => c.Snapshot()).ToList();

    /// <param name="shared">The run's shared first training (every arm of the run given the same one), or null to train alone.</param>
    public RecommenderPlatform(PlatformContext context, StrategyConfig strategy, PlatformOptions options, string workDirectory,
        SharedFirstTraining? shared = null)
    {
        options.Validate();
        _context = context;
        _strategy = strategy;
        _options = options;
        _workDirectory = workDirectory;
        _shared = shared;
        _users = context.World.Users.Count;
        _creators = context.World.Creators.Count;
        _armUsers = context.Assignment.UsersOf(context.Arm).ToArray();
        _firstDayNumber = EventLogDays.DayNumber(context.World.DayStartMsOf(0));
        Directory.CreateDirectory(workDirectory);
        _logDirectory = Path.Combine(workDirectory, "log");
        if (Directory.Exists(_logDirectory)) Directory.Delete(_logDirectory, recursive: true);
        _impressionCounts = new long[_users];
        _interactionCounts = new long[_users];
        foreach (var batch in context.History.ReadBatches(reuse: true)) UserBias.Count(batch, _impressionCounts, _interactionCounts);
        if (strategy.Dispatch is not null && strategy.ActivityPrediction)
            _activity = ActivityHistory.Build(context.History.ReadBatches(reuse: true), _users, _firstDayNumber, context.World.Day + 1);
        _content = new GrowingContentSimilarity(options.Bundle.Similarity.TopK);
        _content.Update(context.World.Items.ToItems());
        Train();
    }

    public IReadOnlyList<(int User, int Item)> StartDay(int day, IReadOnlyList<int> newItems)
    {
        var world = _context.World;
        var catalogue = world.Items.ToItems();
        _newItems = [.. newItems];

        // The arm's items of the candidate window: the feed's filter (co-diversion keeps other arms' items out).
        _armItems = new IdFilter(catalogue.Count);
        var firstUploadDay = world.Day - _options.CandidateWindowDays + 1;
        for (var i = 0; i < catalogue.Count; i++)
            if (world.Items.UploadDay[i] >= firstUploadDay && _context.Assignment.CreatorArm(world.Items.Creator[i]) == _context.Arm)
                _armItems.Set(i);

        var extra = new List<ICandidateRetrieval>();
        if (_strategy.DualRecVersion is null && _strategy.NewItemQuota > 0)
        {
            var firstNewDay = world.Day - _strategy.NewItemDays + 1;
            var recent = Enumerable.Range(0, catalogue.Count).Where(i => world.Items.UploadDay[i] >= firstNewDay && _armItems.Contains(i)).ToList();
            extra.Add(new NewItemRetrieval(recent, i => i < _exposures.Count ? _exposures[i] : 0, _strategy.NewItemQuota));
        }
        var dispatch = _strategy.Dispatch;
        var combined = new CombinedOptions(_strategy.Lambda, _options.FeedQuotaPerSource, dispatch is null ? _strategy.NewItemBoost : 0)
        {
            BoostWithUserBias = _strategy.BoostWithUserBias,
        };
        _pipeline?.Dispose();
        _pipeline = new DualRecPipeline(_bundle, catalogue, _store, dispatch, combined, _graph, _bias, extra,
            contentSimilarity: _content.Update(catalogue), servableItems: _armItems);
        _newItemFilter = null;
        if (_options.CoverageProbeQuota > 0 && newItems.Count > 0)
        {
            _newItemFilter = new IdFilter(catalogue.Count);
            foreach (var item in newItems) _newItemFilter.Set(item);
        }
        if (_pipeline.CreatorSide is not { } creatorSide)
        {
            _coverage.Add(new CoverageTally(day, newItems.Count, 0));
            return [];
        }

        // Creator side (Algorithm 1): open the day with the predicted-active users of the arm, then match each new item.
        var active = _strategy.ActivityPrediction && _bundle.Activity is not null ? PredictActive() : _armUsers;
        creatorSide.OpenDay(day, active);
        var matches = new List<(int User, int Item)>();
        foreach (var item in newItems)
            foreach (var user in creatorSide.Dispatch(day, item).Users) matches.Add((user.User, item));
        _coverage.Add(new CoverageTally(day, newItems.Count, matches.Select(m => m.Item).Distinct().Count()));
        return matches;
    }

    public IReadOnlyList<FeedEntry> Feed(int day, int user, int length)
    {
        ProbeCoverage(user);
        return _pipeline!.Feed.Feed(day, user, length, _armItems, _newItems.Count == 0 ? null : _newItems.Contains);
    }

    public IReadOnlyList<FeedEntry>[] Feeds(int day, ReadOnlySpan<int> users, ReadOnlySpan<int> lengths)
    {
        foreach (var user in users) ProbeCoverage(user);
        return _pipeline!.Feed.Feeds(day, users, lengths, _armItems, _newItems.Count == 0 ? null : _newItems.Contains);
    }

    /// <summary>Figure 8's probe (when on): which of today's new items the user-side two-tower retrieval returns for this visitor.</summary>
    private void ProbeCoverage(int user)
    {
        if (_newItemFilter is null) return;
        foreach (var candidate in _pipeline!.UserSideTwoTower.Retrieve(user, _options.CoverageProbeQuota, _newItemFilter))
            _coverage[^1].Retrieved.Add(candidate.Id);
    }

    public void EndDay(int day, InteractionBatch impressions)
    {
        using (var writer = EventLogWriter.Open(_logDirectory))
        {
            writer.Append(impressions);
            writer.Complete();
        }
        foreach (var item in impressions.Items)
        {
            while (_exposures.Count <= item) _exposures.Add(0);
            _exposures[item]++;
        }
        _graph = _graph.Append(impressions, _users, _context.World.Items.Count);
        UserBias.Count(impressions, _impressionCounts, _interactionCounts);
        _bias = UserBias.FromCounts(_impressionCounts, _interactionCounts, _options.Bundle.BiasSmoothing);
        _activity = _activity?.Extend(_context.World.Day + 1 - _activity.Days, [impressions]);
        if ((day + 1) % _options.RetrainEveryDays == 0) Train();
    }

    public void Dispose()
    {
        _pipeline?.Dispose();
        _bundle?.Dispose();
        _store.Dispose();
    }

    /// <summary>
    /// What a strategy's bundle holds: DualRec-v2 on gets its own creator-side ranker with sample augmentation and extra
    /// item features; the activity model when the strategy dispatches with activity prediction.
    /// </summary>
    public static BundleOptions ComponentsFor(StrategyConfig strategy, BundleOptions options) => options with
    {
        CreatorSideRanker = strategy.Dispatch is { CreatorSidePredictionOptions: true },
        TrainActivity = strategy.Dispatch is not null && strategy.ActivityPrediction,
    };

    /// <summary>
    /// Retrains the bundle from the log so far, through a dataset snapshot (the trainers read datasets); the first
    /// training comes from <see cref="SharedFirstTraining"/> when the platform was given one.
    /// </summary>
    private void Train()
    {
        var first = _snapshots == 0;
        var path = Path.Combine(_workDirectory, $"snapshot-{_snapshots++:D3}");
        var options = ComponentsFor(_strategy, _options.Bundle);
        var previous = _bundle;
        try
        {
            _bundle = first && _shared is not null ? _shared.Get(options, () => Snapshot(path)) : ModelBundle.Train(Snapshot(path), options);
        }
        finally
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        _pipeline?.Dispose();
        _pipeline = null;
        previous?.Dispose();
        _graph = _bundle.Graph;
        _bias = _bundle.Bias;
    }

    /// <summary>The log so far (warm-up history and the arm's own days) as a dataset at <paramref name="path"/>.</summary>
    private Dataset Snapshot(string path)
    {
        var catalogue = _context.World.Items.ToItems();
        using var writer = DatasetWriter.Create(path, overwrite: true);
        // The logs' part files are linked, not rewritten (at 1,000,000 users the warm-up alone is about 120M impressions).
        writer.Events.AppendParts(_context.History);
        if (Directory.Exists(_logDirectory)) writer.Events.AppendParts(EventLog.Open(_logDirectory));
        return writer.Commit("simulation",
            Enumerable.Range(0, _users).Select(u => new User(new UserId(u), $"u{u}")).ToList(),
            Enumerable.Range(0, _creators).Select(c => new Creator(new CreatorId(c), $"c{c}")).ToList(), catalogue);
    }

    private int[] PredictActive()
    {
        var today = _context.World.Day;
        var history = _activity!;
        if (history.Days != today)
            throw new InvalidOperationException($"The activity history covers {history.Days} days; day {today} needs {today} (a night was skipped).");
        var scores = _bundle.Activity!.Score(history, today);
        var arm = new HashSet<int>(_armUsers);
        return _strategy.ActiveSet.Select(scores).Where(arm.Contains).ToArray();
    }
}

/// <summary>New-item coverage of one arm's day by retrieval side (DualRec Figure 8: retrieved items over all new items).</summary>
public sealed record RetrievalCoverageDay(int Day, int NewItems, int RetrievedUserSide, int MatchedCreatorSide);
