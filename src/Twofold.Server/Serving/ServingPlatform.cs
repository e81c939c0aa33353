using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Ranking;
using Twofold.Server.State;
using Twofold.Storage;

namespace Twofold.Server.Serving;

/// <summary>An upload as the API accepted it (already validated).</summary>
public sealed record UploadRequest(string ExternalId, int Creator, long UploadTimeMs, int DurationMs, string Genre, IReadOnlyList<string> Tags, float[]? ContentEmbedding);

/// <summary>An upload refused for one of its fields (found only when it is dispatched, e.g. a content embedding of another length than one accepted just before).</summary>
public sealed class UploadRejectedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>An upload's record and whether it had been dispatched before this request.</summary>
public sealed record UploadOutcome(UploadRecord Record, bool Repeat);

/// <summary>
/// The running service: one <see cref="DualRecPipeline"/> (the same class the command line and the simulator serve
/// through) over the bundle's catalogue plus the items uploaded since, the availability store, and the service's
/// durable state. Uploads are dispatched by one background loop, in batches: each batch grows the catalogue once
/// (<see cref="DualRecPipeline"/>'s <c>grownFrom</c>) and then dispatches its items one by one, as the creator side's
/// available set is a single ledger. Feeds read the current <see cref="Generation"/> without locks.
/// </summary>
public sealed class ServingPlatform : IDisposable
{
    private const string DayKey = "day", FoldedKey = "folded_through", VersionKey = "dualrec_version", LambdaKey = "lambda";
    private const int MaxBatch = 256;

    private readonly ServeOptions _options;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dataset _dataset;
    private readonly GrowingCatalogue _catalogue;
    private readonly int _firstDay;
    private readonly Dictionary<int, List<int>> _datasetItemsByCreator;
    // The writer: held by each upload batch and by the moment a generation is switched to. The admin gate: one refresh,
    // reload or strategy switch at a time, for the whole of it (a refresh or reload builds without the writer).
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly SemaphoreSlim _admin = new(1, 1);
    private readonly BatchWorkers<PendingUpload> _dispatcher;
    private readonly FeedBatcher _feedBatcher;
    private Generation _current;
    private FoldedEvents _folded;
    private int? _contentDimension;

    private ServingPlatform(ServeOptions options, ServiceMetrics metrics, ILogger logger, ServiceDatabase database, IAvailabilityStore store, EventLogExport export,
        Dataset dataset, GrowingCatalogue catalogue, int datasetItems, int firstDay, Generation generation, FoldedEvents folded)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        Database = database;
        Store = store;
        Export = export;
        _dataset = dataset;
        _catalogue = catalogue;
        _firstDay = firstDay;
        _current = generation;
        _folded = folded;
        _contentDimension = generation.Catalogue.FirstOrDefault(i => i.ContentEmbedding is not null)?.ContentEmbedding!.Length;
        _datasetItemsByCreator = generation.Catalogue.Take(datasetItems).GroupBy(i => i.Creator.Value).ToDictionary(g => g.Key, g => g.Select(i => i.Id.Value).ToList());
        // One dispatcher: the ledger's reservations and the catalogue's growth are applied in upload order.
        _dispatcher = new BatchWorkers<PendingUpload>("dispatch", threads: 1, MaxBatch, DispatchLocked, Failed);
        _feedBatcher = new FeedBatcher(Feeds, metrics);
    }

    public ServiceDatabase Database { get; }
    public IAvailabilityStore Store { get; }
    public EventLogExport Export { get; }

    internal Generation Current => Volatile.Read(ref _current);

    /// <summary>The events folded into θ_u and the activity history so far.</summary>
    internal FoldedEvents Folded => Volatile.Read(ref _folded);

    public int Day => Current.Day;
    public Strategy Strategy => Current.Strategy;
    public int Users => Current.Bundle.Manifest.Users;
    public int Creators => Current.Bundle.UserRanker.Creators;
    public int Items => Current.Pipeline.ItemCount;
    public IReadOnlyList<string> Genres => Current.Bundle.UserRanker.ItemTable.Genres;
    public int? ContentDimension => _contentDimension;
    public int MaxFeedLength => _options.MaxFeedLength;
    public int MaxEventsPerRequest => _options.MaxEventsPerRequest;
    public int ExpoReachExposures => _options.ExpoReachExposures;

    /// <summary>An item of the catalogue being served (the dataset's or an upload).</summary>
    public Item Item(int item) => Current.Catalogue[item];
    public int Capacity => DispatchOptions.Version(Current.Strategy.DualRecVersion).Capacity;

    /// <summary>
    /// Opens the bundle, the dataset it was trained on, the state directory and the availability store, and resumes
    /// where the service stopped: the serving day, the strategy, the events folded into the graph, and the uploads
    /// whose dispatch a crash interrupted (dispatch is idempotent by item, so they are simply dispatched again).
    /// </summary>
    public static ServingPlatform Open(ServeOptions options, ServiceMetrics metrics, ILogger? logger = null)
    {
        options.Validate();
        // The feed and dispatch threads already keep every core busy with concurrent requests (and predict with
        // PredictionThreads = 1, LoadBundle): a torch operation adds no threads of its own to them.
        TorchRuntime.RunOperationsOnCallingThreads();
        var bundle = LoadBundle(options.Bundle);
        ServiceDatabase? database = null;
        IAvailabilityStore? store = null;
        try
        {
            var dataset = Dataset.Open(bundle.Manifest.Dataset);
            var catalogue = ServingSession.ReadCatalogue(bundle, dataset);
            var datasetItems = catalogue.Count;
            var days = dataset.Events.Days;
            if (days.Count == 0) throw new DataFormatException(dataset.Directory, "the dataset's event log is empty");
            var firstDay = EventLogDays.FromDate(days.First());

            Directory.CreateDirectory(options.Data);
            database = new ServiceDatabase(Path.Combine(options.Data, "service.db"), options.Durability);
            var export = new EventLogExport(Path.Combine(options.Data, "events"));
            foreach (var upload in database.ReadUploads())
            {
                if (upload.Item != catalogue.Count)
                    throw new DataFormatException(database.Path, $"upload '{upload.ExternalId}' has item id {upload.Item}, expected {catalogue.Count}: the state directory belongs to another dataset");
                catalogue.Add(upload.ToItem());
            }
            store = options.Store == "redis"
                ? new RedisAvailabilityStore(options.RedisConnection!, options.RedisPrefix)
                : new SqliteAvailabilityStore(Path.Combine(options.Data, "availability.db"), options.Durability);

            var day = (int?)Parse(database.Setting(DayKey)) ?? EventLogDays.FromDate(days.Last()) + 1;
            var strategy = new Strategy((int?)Parse(database.Setting(VersionKey)) ?? options.DualRecVersion,
                database.Setting(LambdaKey) is { } lambda ? double.Parse(lambda, System.Globalization.CultureInfo.InvariantCulture) : options.Lambda);
            var through = Parse(database.Setting(FoldedKey)) ?? 0;
            var journal = database.ReadEvents(0, through);
            var folded = FoldedEvents.Build(dataset, journal, through, bundle.Manifest.Users, firstDay, day);
            var served = new GrowingCatalogue(catalogue);
            var generation = Build(options, new BundleHandle(bundle), served.Snapshot(), store, day, strategy, FoldGraph(bundle, journal, catalogue.Count), folded.Bias(bundle), null);
            generation.Pipeline.CreatorSide!.OpenDay(day, folded.PredictActive(bundle));
            var platform = new ServingPlatform(options, metrics, logger ?? NullLogger.Instance, database, store, export, dataset, served, datasetItems, firstDay, generation, folded);
            platform.DispatchInterrupted();
            return platform;
        }
        catch
        {
            store?.Dispose();
            database?.Dispose();
            bundle.Dispose();
            throw;
        }
    }

    /// <summary>Loads a bundle, turning whatever a missing or damaged bundle raises into one clear error naming it.</summary>
    public static ModelBundle LoadBundle(string directory)
    {
        if (!Directory.Exists(directory)) throw new DataFormatException(directory, "the model bundle directory does not exist");
        try
        {
            var bundle = ModelBundle.Load(directory);
            // Requests already run side by side on every core: a prediction keeps to its request's thread rather
            // than handing its batches to the pool those requests run on.
            bundle.UserRanker.PredictionThreads = 1;
            bundle.CreatorRanker.PredictionThreads = 1;
            return bundle;
        }
        catch (DataFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or FormatException or EndOfStreamException)
        {
            throw new DataFormatException(directory, $"the model bundle cannot be loaded: {e.Message}", inner: e);
        }
    }

    // ---- serving ----

    /// <summary>The combined feed of <paramref name="user"/>, served together with the feed requests waiting beside it (<see cref="FeedBatcher"/>).</summary>
    public Task<IReadOnlyList<FeedEntry>> FeedAsync(int user, int k) => _feedBatcher.FeedAsync(user, k);

    /// <summary>The combined feeds of several users from the serving generation, each as it would be alone.</summary>
    private IReadOnlyList<FeedEntry>[] Feeds(int[] users, int[] lengths)
    {
        var generation = Acquire();
        try
        {
            var feeds = generation.Pipeline.Feed.Feeds(generation.Day, users, lengths);
            // One addition per source and batch rather than per slot (20,000 slots a second at 1,000 feeds).
            foreach (var (source, slots) in feeds.SelectMany(feed => feed).CountBy(entry => entry.Source))
                _metrics.FeedEntries.Add(slots, new KeyValuePair<string, object?>("source", source.ToString()));
            return feeds;
        }
        finally
        {
            generation.Handle.Release();
        }
    }

    /// <summary>Queues an upload for dispatch and completes once its reservation is committed to the store.</summary>
    public async Task<UploadOutcome> UploadAsync(UploadRequest request, CancellationToken cancellation)
    {
        if (Database.FindUpload(request.ExternalId) is { Dispatched: true } known) return Repeat(known);
        var pending = new PendingUpload(request, new TaskCompletionSource<UploadOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_dispatcher.TryAdd(pending)) throw new ObjectDisposedException(nameof(ServingPlatform));
        return await pending.Outcome.Task.WaitAsync(cancellation);
    }

    /// <summary>
    /// Journals events durably (one SQLite transaction) and returns how many; each event is filed under the serving
    /// day, keeping its time of day (the service's clock is the serving day, as the bundle's dataset has its own dates).
    /// </summary>
    public int RecordEvents(IReadOnlyList<ServiceEvent> events)
    {
        var dayStart = (long)Day * EventLogDays.MsPerDay;
        var filed = events.Select(e => e with { TimeMs = dayStart + (((e.TimeMs % EventLogDays.MsPerDay) + EventLogDays.MsPerDay) % EventLogDays.MsPerDay) }).ToList();
        Database.AppendEvents(filed);
        _metrics.Events.Add(filed.Count);
        return filed.Count;
    }

    /// <summary>The dataset's items and the uploads of <paramref name="creator"/>.</summary>
    public IReadOnlyList<Item> ItemsOf(int creator)
    {
        var items = new List<Item>();
        var catalogue = Current.Catalogue;
        if (_datasetItemsByCreator.TryGetValue(creator, out var ids)) items.AddRange(ids.Select(i => catalogue[i]));
        items.AddRange(Database.UploadsOf(creator).Select(u => u.ToItem()));
        return items;
    }


    /// <summary>|D_u| today over the users the uploads of today were matched with: entry n counts users holding n items.</summary>
    public long[] MatchedPerUser()
    {
        var generation = Current;
        var perUser = new Dictionary<int, int>();
        foreach (var item in Database.DispatchedOn(generation.Day))
            foreach (var user in Store.ReservedUsers(generation.Day, item))
                perUser[user] = perUser.GetValueOrDefault(user) + 1;
        var histogram = new long[Capacity + 1];
        foreach (var count in perUser.Values) histogram[Math.Min(count, Capacity)]++;
        return histogram;
    }

    /// <summary>Readiness: the availability store and the state database answer (a bundle is always loaded: start-up fails without one).</summary>
    public (bool StoreReachable, string? Problem) Readiness()
    {
        var generation = Current;
        try
        {
            Store.IsAvailable(generation.Day, 0);
            Database.Ping();
            return (true, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (false, e.Message);
        }
    }

    // ---- admin ----

    /// <summary>
    /// The daily refresh: exports the day's events to the Parquet event log, folds them into the graph, θ_u and the
    /// activity history, and opens the next serving day with the users the activity model predicts active. The
    /// journal's new events are read once for all of these. The next day's generation is built while the serving one
    /// goes on dispatching uploads (<see cref="SwitchToAsync"/>).
    /// </summary>
    public async Task<int> RefreshAsync(CancellationToken cancellation)
    {
        await _admin.WaitAsync(cancellation);
        try
        {
            var generation = await SettledAsync(cancellation);
            var day = generation.Day + 1;
            var (next, folded, through) = await BesideRequests(() =>
            {
                var bundle = generation.Bundle;
                var through = Database.LastEventSequence();
                var fresh = Database.ReadEvents(_folded.Through, through);
                // The export is at the folded events unless a crash came between the two (or the exports were removed).
                var exported = Export.ExportedThrough;
                Export.Write(exported == _folded.Through ? fresh : Database.ReadEvents(exported, through), through);
                var graph = generation.Graph.Append(fresh, Users, generation.Catalogue.Count);
                var folded = _folded.Fold(fresh, through, generation.Day,
                    () => FoldedEvents.Build(_dataset, Database.ReadEvents(0, through), through, Users, _firstDay, generation.Day + 1));
                var next = Build(generation.Handle, generation.Catalogue, Store, day, generation.Strategy, graph, folded.Bias(bundle), null);
                next.Pipeline.CreatorSide!.OpenDay(day, folded.PredictActive(bundle));
                return (next, folded, through);
            });
            await SwitchToAsync(next, () =>
            {
                Database.SetSetting(FoldedKey, through.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Database.SetSetting(DayKey, day.ToString(System.Globalization.CultureInfo.InvariantCulture));
                _folded = folded;
            });
            _metrics.Refreshes.Add(1);
            return day;
        }
        finally
        {
            _admin.Release();
        }
    }

    /// <summary>
    /// Loads a bundle (the current directory again, or another trained on the same dataset) and switches to it without
    /// stopping: feeds are served and uploads dispatched by the serving generation while the new one is built.
    /// </summary>
    public async Task<BundleManifest> ReloadAsync(string? directory, CancellationToken cancellation)
    {
        await _admin.WaitAsync(cancellation);
        try
        {
            var bundle = await BesideRequests(() => LoadBundle(directory ?? _options.Bundle));
            try
            {
                var current = Current.Bundle.Manifest;
                if (bundle.Manifest.Users != current.Users || bundle.Manifest.Items != current.Items || bundle.Manifest.Creators != current.Creators)
                    throw new ArgumentException($"The bundle at {directory ?? _options.Bundle} has {bundle.Manifest.Users} users, {bundle.Manifest.Items} items and " +
                                                $"{bundle.Manifest.Creators} creators; the service serves {current.Users}, {current.Items} and {current.Creators}.");
                var generation = await SettledAsync(cancellation);
                var next = await BesideRequests(() =>
                {
                    var graph = FoldGraph(bundle, Database.ReadEvents(0, _folded.Through), generation.Catalogue.Count);
                    var next = Build(new BundleHandle(bundle), generation.Catalogue, Store, generation.Day, generation.Strategy, graph, _folded.Bias(bundle), null);
                    next.Pipeline.CreatorSide!.OpenDay(generation.Day, _folded.PredictActive(bundle));
                    return next;
                });
                await SwitchToAsync(next);
            }
            catch
            {
                bundle.Dispose();
                throw;
            }
            _metrics.Reloads.Add(1);
            return bundle.Manifest;
        }
        finally
        {
            _admin.Release();
        }
    }

    /// <summary>Switches the DualRec version and λ; the day's ledger and available set carry over.</summary>
    public async Task SetStrategyAsync(Strategy strategy, CancellationToken cancellation)
    {
        if (DispatchOptions.Version(strategy.DualRecVersion).Capacity != Capacity)
            throw new ArgumentException("The new strategy's capacity Q differs from the open day's.");
        await _admin.WaitAsync(cancellation);
        try
        {
            await _writer.WaitAsync(cancellation);
            try
            {
                var generation = Current;
                Publish(Build(generation.Handle, _catalogue.Snapshot(), Store, generation.Day, strategy, generation.Graph, generation.Bias, generation.Pipeline));
                Database.SetSetting(VersionKey, strategy.DualRecVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Database.SetSetting(LambdaKey, strategy.Lambda.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            }
            finally
            {
                _writer.Release();
            }
        }
        finally
        {
            _admin.Release();
        }
    }

    /// <summary>
    /// Runs part of a refresh or reload (loading a bundle, building a generation: minutes at 1,000,000 users) on at most
    /// half the cores, beside the requests: the library's parallel loops inside it (the content similarity's search of
    /// every item, the activity scores) take their workers from the scheduler they run under (<see cref="Parallelism.PerCore"/>).
    /// When they took them from the thread pool without a bound, the uploads' answers waited for the whole loop (about
    /// two minutes of a reload at 1,000,000 users, bench/README.md).
    /// </summary>
    private static Task<T> BesideRequests<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, BuildScheduler);

    private static readonly TaskScheduler BuildScheduler =
        new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, Math.Max(1, Environment.ProcessorCount / 2)).ConcurrentScheduler;

    /// <summary>
    /// The serving generation once no upload batch is under way, so every item of its catalogue has its reservation in
    /// the store (a batch publishes its generation before it dispatches the batch's items).
    /// </summary>
    private async Task<Generation> SettledAsync(CancellationToken cancellation)
    {
        await _writer.WaitAsync(cancellation);
        try
        {
            return Current;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Serves <paramref name="next"/>, a generation built beside the uploads from a settled one. It is first grown by the
    /// uploads the serving generation dispatched meanwhile, in rounds beside the uploads still coming (a build of minutes
    /// at 100 uploads a second leaves tens of thousands, each with its content neighbours to find), until no
    /// more than <see cref="SwitchCatchUp"/> are left; then, holding the uploads back, by those, <paramref name="commit"/>
    /// records what the switch changes, and it serves. When it serves the day the uploads were dispatched on (a reload),
    /// the users they filled leave its available set, which was read from the store before they were reserved.
    /// </summary>
    private async Task SwitchToAsync(Generation next, Action? commit = null)
    {
        if (BeforeSwitch is { } pause) await pause();
        // The build is done: the switch is not cancelled, or its work would be lost with the store's day already opened.
        while (await SettledAsync(CancellationToken.None) is var settled && settled.Catalogue.Count - next.Pipeline.ItemCount > SwitchCatchUp)
        {
            var behind = next;
            next = await BesideRequests(() => CaughtUp(behind, settled));
        }
        await _writer.WaitAsync(CancellationToken.None);
        try
        {
            next = CaughtUp(next, Current);
            commit?.Invoke();
            Publish(next);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// <paramref name="next"/> grown by the items of <paramref name="settled"/>'s catalogue past its own (all of them
    /// dispatched), without the users they filled when both serve the same day.
    /// </summary>
    private Generation CaughtUp(Generation next, Generation settled)
    {
        var from = next.Pipeline.ItemCount;
        if (settled.Catalogue.Count == from) return next;
        var grown = Build(next.Handle, settled.Catalogue, Store, next.Day, next.Strategy, next.Graph, next.Bias, next.Pipeline);
        if (grown.Day == settled.Day) LeaveFilledUsers(grown, from);
        return grown;
    }

    /// <summary>How many uploads a switch may still have to add while it holds the uploads back (<see cref="SwitchToAsync"/>).</summary>
    internal int SwitchCatchUp { get; set; } = 64;

    /// <summary>Awaited by a refresh or reload after it built its generation, before it switches to it: where a test holds one half done.</summary>
    internal Func<Task>? BeforeSwitch { get; set; }

    /// <summary>Takes the users the items from <paramref name="from"/> on filled (|D_u| reached Q) out of <paramref name="next"/>'s available set.</summary>
    private void LeaveFilledUsers(Generation next, int from)
    {
        var matched = new HashSet<int>();
        for (var item = from; item < next.Pipeline.ItemCount; item++) matched.UnionWith(Store.ReservedUsers(next.Day, item));
        var stillAvailable = Store.AvailableAmong(next.Day, matched).ToHashSet();
        foreach (var user in matched)
            if (!stillAvailable.Contains(user)) next.Pipeline.CreatorSide!.Available.Remove(user);
    }

    public void Dispose()
    {
        _feedBatcher.Dispose();
        _dispatcher.Complete();
        _dispatcher.Join(TimeSpan.FromSeconds(30));
        Current.Handle.Retire();
        Store.Dispose();
        Database.Dispose();
    }

    // ---- the dispatch loop ----

    private sealed record PendingUpload(UploadRequest Request, TaskCompletionSource<UploadOutcome> Outcome)
    {
        /// <summary>When the upload was queued for the dispatcher (<see cref="Stopwatch.GetTimestamp"/>).</summary>
        public long Queued { get; } = Stopwatch.GetTimestamp();
    }

    /// <summary>Dispatches a batch of uploads holding the database's writer (events are journalled under it too).</summary>
    private void DispatchLocked(List<PendingUpload> batch)
    {
        _writer.Wait();
        try
        {
            DispatchBatch(batch);
        }
        finally
        {
            _writer.Release();
        }
    }

    private static void Failed(List<PendingUpload> batch, Exception error)
    {
        foreach (var pending in batch) pending.Outcome.TrySetException(error);
    }

    private void DispatchBatch(List<PendingUpload> batch)
    {
        foreach (var pending in batch) _metrics.RecordUploadStage("queue", Stopwatch.GetElapsedTime(pending.Queued));
        var stages = new BatchStages(_metrics, batch.Count);
        try
        {
            DispatchFresh(batch, stages);
        }
        finally
        {
            foreach (var pending in batch) _metrics.RecordUploadStage("answered", Stopwatch.GetElapsedTime(pending.Queued));
            stages.LogIfSlow(_logger);
        }
    }

    private void DispatchFresh(List<PendingUpload> batch, BatchStages stages)
    {
        var day = Current.Day;
        var fresh = new List<UploadRecord>();
        var waiting = new Dictionary<string, List<PendingUpload>>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            var request = pending.Request;
            if (Database.FindUpload(request.ExternalId) is { } known)
            {
                pending.Outcome.TrySetResult(Repeat(known));
                continue;
            }
            if (waiting.TryGetValue(request.ExternalId, out var same))
            {
                same.Add(pending);
                continue;
            }
            if (request.ContentEmbedding is { } vector && _contentDimension is { } dimension && vector.Length != dimension)
            {
                pending.Outcome.TrySetException(new UploadRejectedException("content_embedding", $"Has {vector.Length} values; the catalogue's content embeddings have {dimension}."));
                continue;
            }
            _contentDimension ??= request.ContentEmbedding?.Length;
            waiting[request.ExternalId] = [pending];
            fresh.Add(new UploadRecord(_catalogue.Count + fresh.Count, request.ExternalId, request.Creator, request.UploadTimeMs, request.DurationMs,
                request.Genre, request.Tags, request.ContentEmbedding, day, Dispatched: false, Matched: 0, Sources: null));
        }
        if (fresh.Count == 0) return;

        // The uploads are durable before anything is reserved for them: a crash after this point re-dispatches them at start-up.
        var clock = Stopwatch.StartNew();
        Database.InsertUploads(fresh);
        stages.Record("record", clock.Elapsed);
        _catalogue.AddRange(fresh.ConvertAll(u => u.ToItem()));
        var generation = Current;
        clock.Restart();
        var grown = Build(generation.Handle, _catalogue.Snapshot(), Store, generation.Day, generation.Strategy, generation.Graph, generation.Bias, generation.Pipeline);
        Publish(grown);
        _metrics.GrowDuration.Record(clock.Elapsed.TotalSeconds);
        stages.Keep("growth", clock.Elapsed);
        var records = Dispatch(grown, fresh, stages);
        for (var u = 0; u < fresh.Count; u++)
        {
            var requests = waiting[fresh[u].ExternalId];
            requests[0].Outcome.TrySetResult(new UploadOutcome(records[u], Repeat: false));
            foreach (var again in requests.Skip(1)) again.Outcome.TrySetResult(Repeat(records[u]));
        }
    }

    /// <summary>
    /// Dispatches the uploads together (<see cref="CreatorSideRecommender.DispatchMany"/>: one scan of the available users
    /// and one ranking call for all of them) and records each; the duration metric gets each upload's share of the batch.
    /// </summary>
    private List<UploadRecord> Dispatch(Generation generation, IReadOnlyList<UploadRecord> uploads, BatchStages stages)
    {
        var records = new List<UploadRecord>(uploads.Count);
        if (uploads.Count == 0) return records;
        var clock = Stopwatch.StartNew();
        var dispatches = generation.Pipeline.CreatorSide!.DispatchMany(generation.Day, [.. uploads.Select(u => u.Item)]);
        var matched = clock.Elapsed;
        stages.Record("match", matched);
        for (var u = 0; u < uploads.Count; u++)
        {
            var dispatch = dispatches[u];
            var sources = dispatch.Users.GroupBy(x => x.Source?.ToString() ?? "ledger").OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count());
            records.Add(uploads[u] with { Day = generation.Day, Dispatched = true, Matched = dispatch.Users.Count, Sources = JsonSerializer.Serialize(sources) });
        }
        Database.MarkDispatched(records);
        foreach (var dispatch in dispatches)
        {
            _metrics.Dispatches.Add(1, new KeyValuePair<string, object?>("outcome", dispatch.AlreadyDispatched ? "repeat" : "new"));
            if (!dispatch.AlreadyDispatched) _metrics.Reservations.Add(dispatch.Users.Count);
        }
        stages.Record("mark", clock.Elapsed - matched);
        var share = clock.Elapsed.TotalSeconds / uploads.Count;
        for (var u = 0; u < uploads.Count; u++) _metrics.DispatchDuration.Record(share);
        return records;
    }

    /// <summary>Start-up: uploads recorded but not marked dispatched (the process stopped in between) are dispatched now.</summary>
    private void DispatchInterrupted()
    {
        var generation = Current;
        foreach (var chunk in Database.ReadUploads().Where(u => !u.Dispatched).Chunk(MaxBatch))
        {
            var stages = new BatchStages(_metrics, chunk.Length);
            Dispatch(generation, chunk, stages);
            stages.LogIfSlow(_logger);
        }
    }

    // ---- helpers ----

    private static UploadOutcome Repeat(UploadRecord record) => new(record, Repeat: true);

    private Generation Acquire()
    {
        while (true)
        {
            var generation = Current;
            if (generation.Handle.TryAcquire()) return generation;
        }
    }

    private void Publish(Generation next)
    {
        var previous = Interlocked.Exchange(ref _current, next);
        if (!ReferenceEquals(previous.Handle, next.Handle)) previous.Handle.Retire();
    }

    private Generation Build(BundleHandle handle, IReadOnlyList<Item> catalogue, IAvailabilityStore store, int day, Strategy strategy,
        Graph.InteractionGraph graph, UserBias bias, DualRecPipeline? grownFrom) =>
        Build(_options, handle, catalogue, store, day, strategy, graph, bias, grownFrom);

    private static Generation Build(ServeOptions options, BundleHandle handle, IReadOnlyList<Item> catalogue, IAvailabilityStore store, int day,
        Strategy strategy, Graph.InteractionGraph graph, UserBias bias, DualRecPipeline? grownFrom)
    {
        var pipeline = new DualRecPipeline(handle.Bundle, catalogue, store, DispatchOptions.Version(strategy.DualRecVersion),
            new CombinedOptions(strategy.Lambda, options.FeedQuotaPerSource) { Threads = 1 }, graph, bias, grownFrom: grownFrom);
        if (grownFrom is null) pipeline.PrepareForServing(); // before the generation serves its first feed or upload
        return new Generation(handle, pipeline, catalogue, day, strategy, pipeline.Graph, bias);
    }

    /// <summary>The bundle's graph with the journal's events folded by the refreshes so far.</summary>
    private static Graph.InteractionGraph FoldGraph(ModelBundle bundle, InteractionBatch journal, int items) =>
        journal.Count == 0 ? bundle.Graph : bundle.Graph.Append(journal, bundle.Manifest.Users, items);

    private static long? Parse(string? value) =>
        value is null ? null : long.Parse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);
}
