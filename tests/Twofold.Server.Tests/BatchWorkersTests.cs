using Twofold.Server.Serving;

namespace Twofold.Server.Tests;

/// <summary>
/// Requests queued while every worker is busy are served together, up to a batch's size, each exactly once; a
/// completed queue is drained before its threads end and takes nothing more.
/// </summary>
public class BatchWorkersTests
{
    [Fact]
    public void Requests_queued_behind_a_busy_worker_are_served_together_each_once_and_the_queue_drains_on_completion()
    {
        const int maxBatch = 4;
        using var release = new ManualResetEventSlim();
        var batches = new List<int[]>();
        void Serve(List<int> batch)
        {
            lock (batches) batches.Add([.. batch]);
            if (batch.Contains(0)) release.Wait(); // the first request holds the only worker while the others queue
        }

        using var workers = new BatchWorkers<int>("test", threads: 1, maxBatch, Serve, (_, e) => throw new InvalidOperationException("no batch fails here", e));
        try
        {
            Assert.True(workers.TryAdd(0));
            Assert.True(SpinWait.SpinUntil(() => { lock (batches) return batches.Count == 1; }, TimeSpan.FromSeconds(10)), "the first request was not taken");
            for (var r = 1; r <= 10; r++) Assert.True(workers.TryAdd(r));
            workers.Complete();
            Assert.False(workers.TryAdd(11)); // completed: refused, never served
        }
        finally
        {
            release.Set(); // whatever failed above, the worker is let go before the event is disposed
        }
        Assert.True(workers.Join(TimeSpan.FromSeconds(10)), "the worker did not end after draining the queue");
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6, 7, 8], [9, 10]], batches);
    }

    [Fact]
    public void Idle_workers_wake_for_each_request_and_serve_it_alone_when_nothing_waits_behind_it()
    {
        var served = new List<int[]>();
        using var done = new SemaphoreSlim(0);
        using var workers = new BatchWorkers<int>("test", threads: 2, maxBatch: 16, batch =>
        {
            lock (served) served.Add([.. batch]);
            done.Release();
        }, (_, e) => throw new InvalidOperationException("no batch fails here", e));

        for (var r = 0; r < 5; r++)
        {
            Thread.Sleep(20); // the workers are asleep again before each request
            Assert.True(workers.TryAdd(r));
            Assert.True(done.Wait(TimeSpan.FromSeconds(10)), $"request {r} was not served");
        }
        Assert.Equal([[0], [1], [2], [3], [4]], served);
    }
}
