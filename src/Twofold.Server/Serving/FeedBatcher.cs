using System.Threading.Channels;
using Twofold.CreatorSide;

namespace Twofold.Server.Serving;

/// <summary>
/// Gathers concurrent feed requests into one call of a batch feed (<see cref="CombinedRecommender.Feeds"/>), so they
/// share the 8-bit pass over the items and the ranking call: a reader per core takes whatever requests are waiting
/// (up to <see cref="MaxBatch"/>) and serves them together. A request arriving alone is served alone, without waiting
/// for company. Each request gets exactly the feed it would get alone (the batch feed's contract); if a batch fails,
/// its requests are served one by one, so one request's error reaches only that request.
/// </summary>
internal sealed class FeedBatcher : IDisposable
{
    public const int MaxBatch = 16;

    private sealed record PendingFeed(int User, int Length, TaskCompletionSource<IReadOnlyList<FeedEntry>> Feed);

    private readonly Func<int[], int[], IReadOnlyList<FeedEntry>[]> _feeds;
    private readonly Channel<PendingFeed> _pending = Channel.CreateUnbounded<PendingFeed>();
    private readonly Task[] _readers;

    /// <param name="feeds">The feeds of several users with their lengths, in order.</param>
    public FeedBatcher(Func<int[], int[], IReadOnlyList<FeedEntry>[]> feeds)
    {
        _feeds = feeds;
        _readers = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(Serve))];
    }

    public Task<IReadOnlyList<FeedEntry>> FeedAsync(int user, int length)
    {
        var pending = new PendingFeed(user, length, new TaskCompletionSource<IReadOnlyList<FeedEntry>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(FeedBatcher));
        return pending.Feed.Task;
    }

    private async Task Serve()
    {
        var reader = _pending.Reader;
        var batch = new List<PendingFeed>(MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var pending)) batch.Add(pending);
            if (batch.Count == 0) continue;
            try
            {
                var feeds = _feeds([.. batch.Select(p => p.User)], [.. batch.Select(p => p.Length)]);
                for (var p = 0; p < batch.Count; p++) batch[p].Feed.TrySetResult(feeds[p]);
            }
            catch when (batch.Count > 1)
            {
                foreach (var pending in batch) ServeAlone(pending);
            }
            catch (Exception e)
            {
                batch[0].Feed.TrySetException(e);
            }
        }
    }

    private void ServeAlone(PendingFeed pending)
    {
        try
        {
            pending.Feed.TrySetResult(_feeds([pending.User], [pending.Length])[0]);
        }
        catch (Exception e)
        {
            pending.Feed.TrySetException(e);
        }
    }

    public void Dispose()
    {
        _pending.Writer.TryComplete();
        Task.WaitAll(_readers);
    }
}
