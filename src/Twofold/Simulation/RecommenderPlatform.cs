using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Models;
using Twofold.Ranking;
using Twofold.Retrieval;
using Twofold.Similarity;
using Twofold.Storage;
using Twofold.Vectors;

namespace Twofold.Simulation;

/// <summary>
/// A platform built from the product's own components, as one experiment arm runs it: the interaction graph,
/// collaborative and content similarities, the two-tower model and its indexes, the multi-task rankers (user side and
/// creator side), the activity predictor, θ_u, the availability store and the combined feed. It trains on its log
/// (the shared warm-up history plus its arm's own impressions), refreshes the graph and θ_u nightly and retrains the
/// models on a cadence, exactly as a deployment would; nothing in it reads the world's hidden state.
/// </summary>
public sealed class RecommenderPlatform : IArmPlatform
{
    private readonly PlatformContext _context;
    private readonly StrategyConfig _strategy;
    private readonly PlatformOptions _options;
    private readonly string _workDirectory;
    private readonly InteractionBatch _log;
    private readonly int _users;
    private readonly int _creators;
    private readonly InMemoryAvailabilityStore _store = new();
    private readonly int[] _armUsers;
    private readonly int _firstDayNumber;
    private readonly List<int> _exposures = [];

    private InteractionGraph _graph = null!;
    private NeighborLists _userSimilarity = null!;
    private NeighborLists _itemSimilarity = null!;
    private TwoTowerModel _twoTower = null!;
    private FeedbackModel _userRanker = null!;
    private FeedbackModel _creatorRanker = null!;
    private ActivityPredictor? _activity;
    private UserBias _bias = null!;
    private int _trainedItems;
    private int _snapshots;

    // Rebuilt each morning, for the grown catalogue.
    private IdFilter _armItems = new(0);
    private HashSet<int> _newItems = [];
    private CombinedRecommender _feed = null!;
    private FeedbackModel? _userView;
    private FeedbackModel? _creatorView;

    public RecommenderPlatform(PlatformContext context, StrategyConfig strategy, PlatformOptions options, string workDirectory)
    {
        options.Validate();
        _context = context;
        _strategy = strategy;
        _options = options;
        _workDirectory = workDirectory;
        _users = context.World.Users.Count;
        _creators = context.World.Creators.Count;
        _armUsers = context.Assignment.UsersOf(context.Arm).ToArray();
        _log = new InteractionBatch([], context.History.Count + 1024);
        _log.AddRange(context.History);
        _firstDayNumber = EventLogDays.DayNumber(context.World.DayStartMsOf(0));
        Directory.CreateDirectory(workDirectory);
        Train();
    }

    public IReadOnlyList<(int User, int Item)> StartDay(int day, IReadOnlyList<int> newItems)
    {
        var world = _context.World;
        var catalogue = world.Items.ToItems();
        _userView?.Dispose();
        _creatorView?.Dispose();
        _userView = _userRanker.WithCatalogue(catalogue);
        _creatorView = _creatorRanker.WithCatalogue(catalogue);
        _newItems = [.. newItems];

        // The arm's items of the candidate window: the feed's filter (co-diversion keeps other arms' items out).
        _armItems = new IdFilter(catalogue.Count);
        var firstUploadDay = world.Day - _options.CandidateWindowDays + 1;
        for (var i = 0; i < catalogue.Count; i++)
            if (world.Items.UploadDay[i] >= firstUploadDay && _context.Assignment.CreatorArm(world.Items.Creator[i]) == _context.Arm)
                _armItems.Set(i);

        // New items have no interactions: content similarity finds their neighbours, and the two-tower embedding of a
        // new item is the mean embedding of its content neighbours among the trained items.
        var content = ContentSimilarity.Compute(catalogue, _options.Similarity.TopK);
        var itemEmbeddings = ItemEmbeddings(catalogue.Count, content);
        var graph = _graph.Append(new InteractionBatch([]), _users, catalogue.Count);
        var retriever = new TwoHopRetriever(graph, _userSimilarity, GrowTo(_itemSimilarity, catalogue.Count));
        var contentRetriever = new TwoHopRetriever(graph, _userSimilarity, content);
        var itemIndex = new FlatIndex(itemEmbeddings, _twoTower.Dimension);
        var userSide = new List<ICandidateRetrieval>
        {
            new EmbeddingRetrieval(Side.User, u => _twoTower.Embedding(Side.User, u).ToArray(), (q, k, f) => itemIndex.Search(q, k, f)),
            new TwoHopRetrieval(retriever, RetrievalKind.HistoryThenSimilarity, Side.User),
            new TwoHopRetrieval(retriever, RetrievalKind.SimilarityThenHistory, Side.User),
        };
        if (_strategy.DualRecVersion is null && _strategy.NewItemQuota > 0)
        {
            var firstNewDay = world.Day - _strategy.NewItemDays + 1;
            var recent = Enumerable.Range(0, catalogue.Count).Where(i => world.Items.UploadDay[i] >= firstNewDay && _armItems.Contains(i)).ToList();
            userSide.Add(new NewItemRetrieval(recent, i => i < _exposures.Count ? _exposures[i] : 0, _strategy.NewItemQuota));
        }
        var combinedOptions = new CombinedOptions(_strategy.Lambda, _options.FeedQuotaPerSource, _strategy.DualRecVersion is null ? _strategy.NewItemBoost : 0);
        var dispatch = _strategy.Dispatch;
        _feed = new CombinedRecommender(userSide, _userView, dispatch is null ? null : _creatorView,
            dispatch is { UseUserBias: true } ? _bias : null, dispatch is null ? null : _store, combinedOptions);
        if (dispatch is null) return [];

        // Creator side (Algorithm 1): open the day with the predicted-active users of the arm, then match each new item.
        var active = _strategy.ActivityPrediction && _activity is not null ? PredictActive() : _armUsers;
        var userEmbeddings = _twoTower.ExportUserEmbeddings();
        var available = new AvailableUsers(_users, userEmbeddings, _twoTower.Dimension);
        var creatorSide = new List<ICandidateRetrieval>
        {
            EmbeddingRetrieval.OverCompactedSet(Side.Item, i => itemEmbeddings.AsSpan(i * _twoTower.Dimension, _twoTower.Dimension).ToArray(), available.Embeddings!),
        };
        if (dispatch.UseI2I2U) creatorSide.Add(new TwoHopRetrieval(contentRetriever, RetrievalKind.SimilarityThenHistory, Side.Item));
        if (dispatch.UseI2U2U) creatorSide.Add(new TwoHopRetrieval(retriever, RetrievalKind.HistoryThenSimilarity, Side.Item));
        var recommender = new CreatorSideRecommender(creatorSide, _creatorView, dispatch.UseUserBias ? _bias : null, _store, available, dispatch);
        recommender.OpenDay(day, active);
        var matches = new List<(int User, int Item)>();
        foreach (var item in newItems)
            foreach (var user in recommender.Dispatch(day, item).Users) matches.Add((user.User, item));
        return matches;
    }

    public IReadOnlyList<FeedEntry> Feed(int day, int user, int length) =>
        _feed.Feed(day, user, length, _armItems, _newItems.Count == 0 ? null : _newItems.Contains);

    public void EndDay(int day, InteractionBatch impressions)
    {
        _log.AddRange(impressions);
        foreach (var item in impressions.Items)
        {
            while (_exposures.Count <= item) _exposures.Add(0);
            _exposures[item]++;
        }
        var items = _context.World.Items.Count;
        _graph = _graph.Append(impressions, _users, items);
        _bias = UserBias.FromBatches([_log], _users);
        if ((day + 1) % _options.RetrainEveryDays == 0) Train();
    }

    public void Dispose()
    {
        _userView?.Dispose();
        _creatorView?.Dispose();
        _userRanker?.Dispose();
        if (!ReferenceEquals(_creatorRanker, _userRanker)) _creatorRanker?.Dispose();
        _store.Dispose();
    }

    /// <summary>Retrains everything from the log so far, through a dataset snapshot (the trainers read datasets).</summary>
    private void Train()
    {
        var world = _context.World;
        var catalogue = world.Items.ToItems();
        var path = Path.Combine(_workDirectory, $"snapshot-{_snapshots++:D3}");
        Dataset dataset;
        using (var writer = DatasetWriter.Create(path, overwrite: true))
        {
            writer.Events.Append(_log);
            dataset = writer.Commit("simulation",
                Enumerable.Range(0, _users).Select(u => new User(new UserId(u), $"u{u}")).ToList(),
                Enumerable.Range(0, _creators).Select(c => new Creator(new CreatorId(c), $"c{c}")).ToList(), catalogue);
        }
        _trainedItems = catalogue.Count;
        _graph = InteractionGraph.Build(dataset.Events, _users, catalogue.Count, GraphOptions.Default);
        _userSimilarity = CollaborativeSimilarity.Compute(_graph, Side.User, _options.Similarity);
        _itemSimilarity = CollaborativeSimilarity.Compute(_graph, Side.Item, _options.Similarity);
        _twoTower = TwoTowerTrainer.Fit(TwoTowerData.FromDataset(dataset), _options.TwoTower);

        var old = (_userRanker, _creatorRanker);
        _userRanker = FeedbackModelTrainer.Fit(dataset, _options.Ranker);
        // DualRec-v2 on: the creator side gets its own model with sample augmentation and extra item features.
        _creatorRanker = _strategy.Dispatch is { CreatorSidePredictionOptions: true }
            ? FeedbackModelTrainer.Fit(dataset, _options.Ranker with { SampleAugmentation = true, ExtraFeatures = true })
            : _userRanker;
        old._userRanker?.Dispose();
        if (!ReferenceEquals(old._creatorRanker, old._userRanker)) old._creatorRanker?.Dispose();

        if (_strategy.ActivityPrediction && _strategy.DualRecVersion is not null)
            _activity = ActivityPredictorTrainer.Fit(dataset, _options.Activity);
        _bias = UserBias.FromBatches([_log], _users);
        Directory.Delete(path, recursive: true);
    }

    private int[] PredictActive()
    {
        var today = _context.World.Day;
        var history = ActivityHistory.Build([_log], _users, _firstDayNumber, today);
        var scores = _activity!.Score(history, today);
        var arm = new HashSet<int>(_armUsers);
        return ActiveSetRule.Default.Select(scores).Where(arm.Contains).ToArray();
    }

    private float[] ItemEmbeddings(int items, NeighborLists content)
    {
        var d = _twoTower.Dimension;
        var embeddings = new float[items * d];
        _twoTower.ItemEmbeddings.Span.CopyTo(embeddings);
        for (var i = _trainedItems; i < items; i++)
        {
            var row = embeddings.AsSpan(i * d, d);
            var count = 0;
            foreach (var neighbor in content.Neighbors(i))
            {
                if (neighbor >= _trainedItems) continue;
                System.Numerics.Tensors.TensorPrimitives.Add(row, _twoTower.Embedding(Side.Item, neighbor), row);
                count++;
            }
            if (count > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, count, row);
        }
        return embeddings;
    }

    /// <summary>Similarity lists over a grown catalogue: items added since training have no neighbours yet.</summary>
    private static NeighborLists GrowTo(NeighborLists lists, int items)
    {
        if (lists.NodeCount == items) return lists;
        var perNode = new (int[] Neighbors, float[] Scores)[items];
        for (var n = 0; n < items; n++)
            perNode[n] = n < lists.NodeCount ? (lists.Neighbors(n).ToArray(), lists.Scores(n).ToArray()) : ([], []);
        return NeighborLists.FromPerNode(perNode);
    }
}
