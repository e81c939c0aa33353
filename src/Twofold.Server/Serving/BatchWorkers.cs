namespace Twofold.Server.Serving;

/// <summary>
/// Requests served in batches by threads of their own: each thread waits for a request, takes whatever others are
/// waiting behind it (up to a batch's size) and serves them together. A request arriving alone is served alone.
/// </summary>
/// <remarks>
/// The work is milliseconds of computation per batch. On the thread pool it took the threads that Kestrel's I/O and
/// the requests' continuations run on, and each wait for the next request handed the thread back and forth; on its
/// own threads a batch runs without those hand-offs, and only the answer goes to the pool.
/// An idle thread sleeps until a request is queued, without spinning first (a <see cref="Monitor"/> wait, not a
/// BlockingCollection's semaphore): in a profile of the service serving feeds alone on two cores, the idle feed
/// workers' spinning (sched_yield, a task switch whenever another thread is runnable) was 6.8% of the samples
/// (bench/README.md, "The kernel's memory monitor beside the service").
/// </remarks>
internal sealed class BatchWorkers<T> : IDisposable
{
    private readonly Queue<T> _waiting = new();
    // Guards _waiting and _completed; the idle threads wait on it.
    private readonly object _gate = new();
    private bool _completed;
    private readonly Thread[] _threads;
    private readonly int _maxBatch;
    private readonly Action<List<T>> _serve;
    private readonly Action<List<T>, Exception> _failed;

    /// <param name="serve">Serves a batch (1 … <paramref name="maxBatch"/> requests), answering each of them.</param>
    /// <param name="failed">Answers a batch whose <paramref name="serve"/> threw; it must not throw itself.</param>
    public BatchWorkers(string name, int threads, int maxBatch, Action<List<T>> serve, Action<List<T>, Exception> failed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        (_maxBatch, _serve, _failed) = (maxBatch, serve, failed);
        _threads = [.. Enumerable.Range(0, threads).Select(k => new Thread(Run) { IsBackground = true, Name = $"{name} {k + 1}" })];
        foreach (var thread in _threads) thread.Start();
    }

    /// <summary>Queues a request; false once <see cref="Complete"/> was called.</summary>
    public bool TryAdd(T request)
    {
        lock (_gate)
        {
            if (_completed) return false;
            _waiting.Enqueue(request);
            Monitor.Pulse(_gate); // one idle thread is enough for one request
            return true;
        }
    }

    /// <summary>Takes no more requests; the threads serve those already queued and end.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits for the threads to end after <see cref="Complete"/>; false if one was still serving at the timeout.</summary>
    public bool Join(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            foreach (var thread in _threads) thread.Join();
            return true;
        }
        var deadline = DateTime.UtcNow + timeout;
        return _threads.All(t => t.Join(Max(deadline - DateTime.UtcNow, TimeSpan.Zero)));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Run()
    {
        var batch = new List<T>(_maxBatch);
        while (TakeBatch(batch))
        {
            try
            {
                _serve(batch);
            }
            catch (Exception e)
            {
                _failed(batch, e);
            }
        }
    }

    /// <summary>
    /// Waits for a request and takes it with whatever others are queued behind it (up to a batch's size); false once
    /// <see cref="Complete"/> was called and nothing is left.
    /// </summary>
    private bool TakeBatch(List<T> batch)
    {
        batch.Clear();
        lock (_gate)
        {
            while (_waiting.Count == 0)
            {
                if (_completed) return false;
                Monitor.Wait(_gate);
            }
            while (batch.Count < _maxBatch && _waiting.TryDequeue(out var next)) batch.Add(next);
            return true;
        }
    }

    public void Dispose()
    {
        Complete();
        Join(Timeout.InfiniteTimeSpan);
    }
}
