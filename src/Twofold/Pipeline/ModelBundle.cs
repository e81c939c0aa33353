using System.Text.Json;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Models;
using Twofold.Ranking;
using Twofold.Similarity;

namespace Twofold.Pipeline;

/// <summary>What a bundle was trained on, how, and how well (<c>manifest.json</c>).</summary>
public sealed record BundleManifest(
    string Format,
    int Version,
    string Dataset,
    string Source,
    int Users,
    int Items,
    int Creators,
    long Interactions,
    string FirstDay,
    string LastDay,
    BundleOptions Options,
    IReadOnlyDictionary<string, double> Validation)
{
    public const string FormatName = "twofold-bundle";
    public const int CurrentVersion = 1;
    public const string FileName = "manifest.json";
}

/// <summary>
/// Everything the DualRec pipeline needs, trained from one dataset: the interaction graph, the similarity services,
/// the two-tower model, the user-side and creator-side rankers, the activity predictor and θ_u. Saved as one
/// versioned directory (written to a staging directory and renamed into place) with a manifest recording what it was
/// trained on, with which options, and its validation figures. <c>twofold train</c> builds one; the simulator's
/// platforms build one from their log at every retraining.
/// </summary>
public sealed class ModelBundle : IDisposable
{
    private const string GraphFile = "graph.bin";
    private const string UserSimilarityFile = "user-similarity.bin";
    private const string ItemSimilarityFile = "item-similarity.bin";
    private const string TwoTowerFile = "two-tower.bin";
    private const string UserRankerFile = "ranker-user.bin";
    private const string CreatorRankerFile = "ranker-creator.bin";
    private const string ActivityFile = "activity.bin";
    private const string BiasFile = "user-bias.bin";

    private ModelBundle(BundleManifest manifest, InteractionGraph graph, NeighborLists userSimilarity, NeighborLists itemSimilarity,
        TwoTowerModel twoTower, FeedbackModel userRanker, FeedbackModel creatorRanker, ActivityPredictor? activity, UserBias bias)
    {
        Manifest = manifest;
        Graph = graph;
        UserSimilarity = userSimilarity;
        ItemSimilarity = itemSimilarity;
        TwoTower = twoTower;
        UserRanker = userRanker;
        CreatorRanker = creatorRanker;
        Activity = activity;
        Bias = bias;
    }

    public BundleManifest Manifest { get; }
    public InteractionGraph Graph { get; }

    /// <summary>Collaborative S^U.</summary>
    public NeighborLists UserSimilarity { get; }

    /// <summary>Collaborative S^I (content similarity is computed per catalogue by <see cref="DualRecPipeline"/>).</summary>
    public NeighborLists ItemSimilarity { get; }

    public TwoTowerModel TwoTower { get; }
    public FeedbackModel UserRanker { get; }

    /// <summary>The creator-side ranker; the same object as <see cref="UserRanker"/> when no separate one was trained.</summary>
    public FeedbackModel CreatorRanker { get; }

    public ActivityPredictor? Activity { get; }
    public UserBias Bias { get; }

    public static ModelBundle Train(Dataset dataset, BundleOptions options, Action<string>? progress = null)
    {
        options.Validate();
        var m = dataset.Manifest;
        var log = dataset.Events;
        if (log.Days.Count == 0) throw new ArgumentException($"The dataset {dataset.Directory} has no interactions to train on.");
        progress?.Invoke("graph and similarities");
        var graph = InteractionGraph.Build(log, m.Users, m.Items, options.Graph);
        var userSimilarity = CollaborativeSimilarity.Compute(graph, Side.User, options.Similarity);
        var itemSimilarity = CollaborativeSimilarity.Compute(graph, Side.Item, options.Similarity);
        progress?.Invoke("two-tower model");
        var twoTower = TwoTowerTrainer.Fit(TwoTowerData.FromDataset(dataset, options.TwoTower), options.TwoTower);
        progress?.Invoke("user-side ranker");
        var userRanker = FeedbackModelTrainer.Fit(dataset, options.Ranker);
        var creatorRanker = userRanker;
        if (options.CreatorSideRanker)
        {
            progress?.Invoke("creator-side ranker");
            creatorRanker = FeedbackModelTrainer.Fit(dataset, options.Ranker with { SampleAugmentation = true, ExtraFeatures = true });
        }
        ActivityPredictor? activity = null;
        if (options.TrainActivity)
        {
            progress?.Invoke("activity predictor");
            activity = ActivityPredictorTrainer.Fit(dataset, options.Activity);
        }
        var bias = UserBias.FromLog(log, m.Users, options.BiasSmoothing);

        var validation = new Dictionary<string, double> { ["population_interaction_rate"] = bias.PopulationRate };
        // The two-tower's recall is a figure only when days were held out for it; without, it is left out, not written as NaN.
        var recalls = twoTower.Report.Epochs.Select(e => e.UserRecall).Where(r => !double.IsNaN(r)).ToList();
        if (recalls.Count > 0) validation["two_tower_best_recall"] = recalls.Max();
        var manifest = new BundleManifest(BundleManifest.FormatName, BundleManifest.CurrentVersion, Path.GetFullPath(dataset.Directory), m.Source,
            m.Users, m.Items, m.Creators, m.Interactions, log.Days.First().ToString("yyyy-MM-dd"), log.Days.Last().ToString("yyyy-MM-dd"),
            options, validation);
        return new ModelBundle(manifest, graph, userSimilarity, itemSimilarity, twoTower, userRanker, creatorRanker, activity, bias);
    }

    /// <summary>Writes the bundle to <paramref name="directory"/> all or nothing (replacing it when <paramref name="overwrite"/>).</summary>
    public void Save(string directory, bool overwrite = false)
    {
        var target = Path.GetFullPath(directory);
        if (!overwrite && Directory.Exists(target)) throw new IOException($"{target} already exists; choose another output or allow overwriting.");
        var staging = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            Graph.Save(Path.Combine(staging, GraphFile));
            AtomicFile.Write(Path.Combine(staging, UserSimilarityFile), UserSimilarity.Save);
            AtomicFile.Write(Path.Combine(staging, ItemSimilarityFile), ItemSimilarity.Save);
            TwoTower.Save(Path.Combine(staging, TwoTowerFile));
            UserRanker.Save(Path.Combine(staging, UserRankerFile));
            if (!ReferenceEquals(CreatorRanker, UserRanker)) CreatorRanker.Save(Path.Combine(staging, CreatorRankerFile));
            Activity?.Save(Path.Combine(staging, ActivityFile));
            Bias.Save(Path.Combine(staging, BiasFile));
            AtomicFile.WriteAllText(Path.Combine(staging, BundleManifest.FileName), JsonSerializer.Serialize(Manifest, World.WorldConfig.Json));
            if (Directory.Exists(target))
            {
                var replaced = target + $".replaced-{Guid.NewGuid():N}";
                Directory.Move(target, replaced);
                Directory.Move(staging, target);
                Directory.Delete(replaced, recursive: true);
            }
            else
            {
                Directory.Move(staging, target);
            }
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    public static ModelBundle Load(string directory)
    {
        var manifestPath = Path.Combine(directory, BundleManifest.FileName);
        if (!File.Exists(manifestPath)) throw new DataFormatException(directory, $"not a model bundle: {BundleManifest.FileName} is missing");
        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BundleManifest>(File.ReadAllText(manifestPath), World.WorldConfig.Json)
                       ?? throw new DataFormatException(manifestPath, "the bundle manifest is empty");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(manifestPath, $"the bundle manifest is not valid: {e.Message}", inner: e);
        }
        if (manifest.Format != BundleManifest.FormatName || manifest.Version != BundleManifest.CurrentVersion)
            throw new DataFormatException(manifestPath, $"bundle format '{manifest.Format}' version {manifest.Version} is not supported (this build reads {BundleManifest.FormatName} {BundleManifest.CurrentVersion})");
        string File_(string name) => Path.Combine(directory, name);
        var userRanker = FeedbackModel.Load(File_(UserRankerFile));
        var creatorRanker = File.Exists(File_(CreatorRankerFile)) ? FeedbackModel.Load(File_(CreatorRankerFile)) : userRanker;
        return new ModelBundle(manifest,
            InteractionGraph.Load(File_(GraphFile)),
            LoadLists(File_(UserSimilarityFile)),
            LoadLists(File_(ItemSimilarityFile)),
            TwoTowerModel.Load(File_(TwoTowerFile)),
            userRanker,
            creatorRanker,
            File.Exists(File_(ActivityFile)) ? ActivityPredictor.Load(File_(ActivityFile)) : null,
            UserBias.Load(File_(BiasFile)));
    }

    public void Dispose()
    {
        UserRanker.Dispose();
        if (!ReferenceEquals(CreatorRanker, UserRanker)) CreatorRanker.Dispose();
    }

    private static NeighborLists LoadLists(string path)
    {
        using var stream = File.OpenRead(path);
        return NeighborLists.Load(stream, path);
    }
}
