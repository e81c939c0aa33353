namespace Twofold.Tests;

/// <summary>The library's parallel loops keep to one worker per core and to the scheduler they are started under.</summary>
public class ParallelismTests
{
    [Fact]
    public async Task A_loop_keeps_to_the_cores_and_to_the_scheduler_it_runs_under()
    {
        Assert.True(await MostAtOnce(TaskScheduler.Default) <= Environment.ProcessorCount);
        var one = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, maxConcurrencyLevel: 1).ConcurrentScheduler;
        Assert.Equal(1, await MostAtOnce(one));
    }

    /// <summary>The most iterations of a <see cref="Parallelism.PerCore"/> loop that ran at once, the loop started under <paramref name="scheduler"/>.</summary>
    private static async Task<int> MostAtOnce(TaskScheduler scheduler)
    {
        int running = 0, most = 0;
        await Task.Factory.StartNew(() => Parallel.For(0, 400, Parallelism.PerCore(), _ =>
        {
            var now = Interlocked.Increment(ref running);
            for (var seen = most; now > seen && Interlocked.CompareExchange(ref most, now, seen) != seen; seen = most) { }
            Thread.Sleep(1); // long enough for other workers to start, were they allowed to
            Interlocked.Decrement(ref running);
        }), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler);
        return most;
    }
}
