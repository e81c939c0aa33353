using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Storage;

namespace Twofold.Pipeline;

/// <summary>
/// A bundle opened for serving the day after its dataset ends: the dataset's catalogue, the availability store
/// (in memory, or an SQLite file so that dispatches accumulate across runs), the day opened with the users the
/// activity model predicts active, and the DualRec pipeline (<c>twofold dispatch</c> and <c>twofold feed</c>).
/// </summary>
public sealed class ServingSession : IDisposable
{
    private ServingSession(ModelBundle bundle, IAvailabilityStore store, DualRecPipeline pipeline, int day, int activeUsers)
    {
        Bundle = bundle;
        Store = store;
        Pipeline = pipeline;
        Day = day;
        ActiveUsers = activeUsers;
    }

    public ModelBundle Bundle { get; }
    public IAvailabilityStore Store { get; }
    public DualRecPipeline Pipeline { get; }

    /// <summary>The serving day: the day number (days since 1970-01-01) after the dataset's last day.</summary>
    public int Day { get; }

    /// <summary>Users opened as available (predicted active).</summary>
    public int ActiveUsers { get; }

    /// <param name="storePath">An SQLite file for the availability store; null for memory.</param>
    /// <param name="dualRecVersion">The creator side's version (1 … 5).</param>
    public static ServingSession Open(string bundleDirectory, string? storePath = null, int dualRecVersion = 5)
    {
        var bundle = ModelBundle.Load(bundleDirectory);
        IAvailabilityStore? store = null;
        try
        {
            var dataset = Dataset.Open(bundle.Manifest.Dataset);
            var catalogue = ReadCatalogue(bundle, dataset);
            store = storePath is null ? new InMemoryAvailabilityStore() : new SqliteAvailabilityStore(storePath);
            var dispatch = DispatchOptions.Version(dualRecVersion);
            var pipeline = new DualRecPipeline(bundle, catalogue, store, dispatch, new CombinedOptions());
            var history = ActivityHistory.FromDataset(dataset);
            var day = history.FirstDay + history.Days;
            var active = PredictActive(bundle, history);
            pipeline.CreatorSide!.OpenDay(day, active);
            return new ServingSession(bundle, store, pipeline, day, active.Length);
        }
        catch
        {
            store?.Dispose();
            bundle.Dispose();
            throw;
        }
    }

    /// <summary>The catalogue of the dataset <paramref name="bundle"/> was trained on; refused when it has fewer items than the bundle knows.</summary>
    public static List<Item> ReadCatalogue(ModelBundle bundle, Dataset dataset)
    {
        var catalogue = dataset.ReadItems().ToList();
        if (catalogue.Count < bundle.Manifest.Items)
            throw new DataFormatException(dataset.Directory, $"the dataset has {catalogue.Count} items, fewer than the {bundle.Manifest.Items} the bundle was trained on");
        return catalogue;
    }

    /// <summary>
    /// The users predicted to visit on the day after <paramref name="history"/> (the bundle's activity model under the
    /// default <see cref="ActiveSetRule"/>); every user when the bundle has no activity model.
    /// </summary>
    public static int[] PredictActive(ModelBundle bundle, ActivityHistory history) =>
        bundle.Activity is null
            ? Enumerable.Range(0, bundle.Manifest.Users).ToArray()
            : ActiveSetRule.Default.Select(bundle.Activity.Score(history, history.Days));

    public void Dispose()
    {
        Pipeline.Dispose();
        Store.Dispose();
        Bundle.Dispose();
    }
}
