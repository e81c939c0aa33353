using Twofold.Data;
using Twofold.Pipeline;

namespace Twofold.Simulation;

/// <summary>
/// The arms' first training, done once per run: before the first simulated day every arm's log is the same warm-up
/// history, so every arm would train the same graph, similarities, two-tower model and user-side ranker on the same
/// data. The first arm to ask trains one bundle with every component any arm needs (the creator-side ranker and the
/// activity model when some strategy uses them), saves it, and every arm then loads its own copy (its own objects, so
/// nothing is shared between arms after). Later retrainings are per arm, on each arm's own log.
/// </summary>
/// <remarks>
/// An arm whose strategy does not use the creator-side ranker or the activity model carries them unused (Base's feeds
/// rank with the user-side ranker, and it dispatches nothing). What each arm serves with is what it would have trained
/// itself, with one exception: torch's thread count. The rankers' trainer sets one intra-op thread for the rest of the
/// process, so without sharing the second arm's two-tower model trained on one thread and the first arm's on torch's
/// default; shared, every arm gets the first fit's model.
/// </remarks>
public sealed class SharedFirstTraining
{
    private readonly string _directory;
    private readonly bool _creatorSideRanker;
    private readonly bool _activity;
    private readonly Lock _lock = new();
    private bool _trained;

    /// <param name="strategies">Every arm's strategy (what the shared bundle must hold).</param>
    /// <param name="directory">Where the bundle is saved for the arms to load (the caller removes it after the run).</param>
    public SharedFirstTraining(IEnumerable<StrategyConfig> strategies, string directory)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (var strategy in strategies)
        {
            var options = RecommenderPlatform.ComponentsFor(strategy, new BundleOptions());
            _creatorSideRanker |= options.CreatorSideRanker;
            _activity |= options.TrainActivity;
        }
        _directory = Path.Combine(directory, "first-bundle");
    }

    /// <summary>Told the name of each component as the shared training starts it (see <see cref="ModelBundle.Train"/>).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Time the shared training took (zero until it ran).</summary>
    public TimeSpan TrainingTime { get; private set; }

    /// <summary>
    /// The bundle an arm starts from: trained from <paramref name="history"/> on the first call (with
    /// <paramref name="options"/> widened to every arm's components), loaded from disk on every call.
    /// </summary>
    /// <param name="history">Writes the dataset to train on (called once) and returns it.</param>
    public ModelBundle Get(BundleOptions options, Func<Dataset> history)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(history);
        lock (_lock)
        {
            if (!_trained)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var union = options with
                {
                    CreatorSideRanker = options.CreatorSideRanker || _creatorSideRanker,
                    TrainActivity = options.TrainActivity || _activity,
                };
                using (var bundle = ModelBundle.Train(history(), union, Progress))
                {
                    Progress?.Invoke("saving the bundle");
                    bundle.Save(_directory, overwrite: true);
                }
                TrainingTime = clock.Elapsed;
                _trained = true;
            }
            return ModelBundle.Load(_directory);
        }
    }
}
