namespace Twofold;

/// <summary>How the library's parallel loops take their workers.</summary>
public static class Parallelism
{
    /// <summary>
    /// Options for a parallel loop: at most one worker per core, from the scheduler of the task that runs the loop.
    /// Unbounded, a loop's workers take every thread the pool adds while it runs, and a service's requests, which need
    /// pool threads too, wait for the whole loop (the uploads through a reload at 1,000,000 users: about two minutes,
    /// bench/README.md).
    /// From the current scheduler, a loop started under a scheduler of its own (a service's build beside its requests,
    /// kept to some of the cores) keeps to it; elsewhere that is the thread pool.
    /// </summary>
    public static ParallelOptions PerCore() => new() { MaxDegreeOfParallelism = Environment.ProcessorCount, TaskScheduler = TaskScheduler.Current };
}
