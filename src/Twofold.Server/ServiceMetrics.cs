using System.Diagnostics.Metrics;
using Twofold.Diagnostics;

namespace Twofold.Server;

/// <summary>
/// The service's own instruments, exported with ASP.NET Core's request metrics at <c>/metrics</c> in Prometheus
/// format: dispatches, reservations, events and feed slots by retrieval source.
/// </summary>
public sealed class ServiceMetrics : IDisposable
{
    public const string MeterName = "Twofold.Server";
    private readonly Meter _meter;

    public ServiceMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        Dispatches = _meter.CreateCounter<long>("twofold.dispatches", "{item}", "Items dispatched by the creator side (outcome: new or repeat).");
        Reservations = _meter.CreateCounter<long>("twofold.reservations", "{user}", "Users reserved for new items in the availability store.");
        DispatchDuration = _meter.CreateHistogram<double>("twofold.dispatch.duration", "s", "Time to dispatch one item (retrieval, ranking, reservation): its share of the batch it was dispatched with.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
        GrowDuration = _meter.CreateHistogram<double>("twofold.catalogue_growth.duration", "s",
            "Time to grow the pipeline's catalogue by one batch of uploads (before its items are dispatched).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
        UploadStages = _meter.CreateHistogram<double>("twofold.upload.stage.duration", "s",
            "Time an upload spent in a stage on the service's side (stage: queue = waiting for the dispatcher, record = its batch written to service.db, match = its batch's retrieval, ranking and reservation, mark = its batch's dispatch written to service.db, answered = from queued to answered; all but queue and answered once per batch).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
        FeedStages = _meter.CreateHistogram<double>("twofold.feed.stage.duration", "s",
            "Time a feed request spent in a stage on the service's side (stage: queue = waiting for a feed worker, batch = its batch's retrieval and ranking, once per batch; resume = from its answer being set to its request's code running again on the thread pool, answered = from queued to that point).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1] });
        FeedBatchSizes = _meter.CreateHistogram<int>("twofold.feed.batch.size", "{request}", "Feed requests served together in one batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16] });
        Events = _meter.CreateCounter<long>("twofold.events", "{event}", "Events acknowledged (durably journaled).");
        FeedEntries = _meter.CreateCounter<long>("twofold.feed.entries", "{entry}", "Feed slots served, by retrieval source.");
        Refreshes = _meter.CreateCounter<long>("twofold.refreshes", "{refresh}", "Daily refreshes run.");
        Reloads = _meter.CreateCounter<long>("twofold.bundle_reloads", "{reload}", "Model bundles loaded while serving.");
        // Each pause of the collector stops every request; the runtime's own metrics give only their sum.
        var gcPauses = _meter.CreateHistogram<double>("twofold.gc.pause.duration", "s", "Each pause of the garbage collector (all threads stopped).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] });
        _gcPauses = new GcPauses(milliseconds => gcPauses.Record(milliseconds / 1000));
    }

    private readonly GcPauses _gcPauses;

    public Counter<long> Dispatches { get; }
    public Counter<long> Reservations { get; }
    public Histogram<double> DispatchDuration { get; }
    public Histogram<double> GrowDuration { get; }

    /// <summary>An upload's stages (tag <c>stage</c>), to place a slow upload in its queue, its recording or elsewhere.</summary>
    public Histogram<double> UploadStages { get; }

    public void RecordUploadStage(string stage, TimeSpan duration) =>
        UploadStages.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));

    /// <summary>A feed request's stages (tag <c>stage</c>), to tell a wait for a worker from a slow batch.</summary>
    public Histogram<double> FeedStages { get; }
    public Histogram<int> FeedBatchSizes { get; }

    public void RecordFeedStage(string stage, TimeSpan duration) =>
        FeedStages.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));

    public Counter<long> Events { get; }
    public Counter<long> FeedEntries { get; }
    public Counter<long> Refreshes { get; }
    public Counter<long> Reloads { get; }

    public void Dispose()
    {
        _gcPauses.Dispose();
        _meter.Dispose();
    }
}
