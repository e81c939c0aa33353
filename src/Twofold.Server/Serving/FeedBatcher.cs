using System.Diagnostics;
using Twofold.CreatorSide;

namespace Twofold.Server.Serving;

/// <summary>
/// Gathers concurrent feed requests into one call of a batch feed (<see cref="CombinedRecommender.Feeds"/>), so they
/// share the search of the items and the ranking call: a thread per core (<see cref="BatchWorkers{T}"/>) takes whatever
/// requests are waiting (up to <see cref="MaxBatch"/>) and serves them together. A request arriving alone is served alone, without waiting
/// for company. Each request gets exactly the feed it would get alone (the batch feed's contract); if a batch fails,
/// its requests are served one by one, so one request's error reaches only that request.
/// </summary>
internal sealed class FeedBatcher : IDisposable
{
    public const int MaxBatch = 16;

    private sealed record PendingFeed(int User, int Length, long Queued, TaskCompletionSource<IReadOnlyList<FeedEntry>> Feed)
    {
        /// <summary>When the batch set the answer (a timestamp), for the time until the request's code resumes.</summary>
        public long Answered;
    }

    private readonly Func<int[], int[], IReadOnlyList<FeedEntry>[]> _feeds;
    private readonly ServiceMetrics? _metrics;
    private readonly BatchWorkers<PendingFeed> _workers;

    /// <param name="feeds">The feeds of several users with their lengths, in order.</param>
    /// <param name="metrics">Where each request's wait for a worker, each batch's time and size are recorded; null for nowhere.</param>
    public FeedBatcher(Func<int[], int[], IReadOnlyList<FeedEntry>[]> feeds, ServiceMetrics? metrics = null)
    {
        _feeds = feeds;
        _metrics = metrics;
        _workers = new BatchWorkers<PendingFeed>("feeds", Environment.ProcessorCount, MaxBatch, Serve, Failed);
    }

    public async Task<IReadOnlyList<FeedEntry>> FeedAsync(int user, int length)
    {
        var pending = new PendingFeed(user, length, Stopwatch.GetTimestamp(), new TaskCompletionSource<IReadOnlyList<FeedEntry>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_workers.TryAdd(pending)) throw new ObjectDisposedException(nameof(FeedBatcher));
        var feed = await pending.Feed.Task;
        // The answer comes back through the thread pool: how long that hand-back took, apart from the batch's own time;
        // and the request's whole time here, so a slow feed can be placed inside the batcher or outside it (Kestrel).
        _metrics?.RecordFeedStage("resume", Stopwatch.GetElapsedTime(pending.Answered));
        _metrics?.RecordFeedStage("answered", Stopwatch.GetElapsedTime(pending.Queued));
        return feed;
    }

    private void Serve(List<PendingFeed> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var feeds = _feeds([.. batch.Select(p => p.User)], [.. batch.Select(p => p.Length)]);
        if (_metrics is not null)
        {
            _metrics.RecordFeedStage("batch", Stopwatch.GetElapsedTime(started));
            _metrics.FeedBatchSizes.Record(batch.Count);
            foreach (var pending in batch) _metrics.RecordFeedStage("queue", Stopwatch.GetElapsedTime(pending.Queued, started));
        }
        for (var p = 0; p < batch.Count; p++) Answer(batch[p], feeds[p]);
    }

    private static void Answer(PendingFeed pending, IReadOnlyList<FeedEntry> feed)
    {
        pending.Answered = Stopwatch.GetTimestamp();
        pending.Feed.TrySetResult(feed);
    }

    /// <summary>A failed batch's requests are served one by one, so one request's error reaches only that request.</summary>
    private void Failed(List<PendingFeed> batch, Exception error)
    {
        if (batch.Count == 1)
        {
            batch[0].Feed.TrySetException(error);
            return;
        }
        foreach (var pending in batch)
            try
            {
                Answer(pending, _feeds([pending.User], [pending.Length])[0]);
            }
            catch (Exception e)
            {
                pending.Feed.TrySetException(e);
            }
    }

    public void Dispose() => _workers.Dispose();
}
