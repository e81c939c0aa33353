using System.Diagnostics;
using System.Globalization;
using Twofold.CreatorSide;
using Twofold.Storage;

namespace Twofold.Bench.Stores;

/// <summary>
/// Reservation throughput of each availability store: one dispatcher thread reserves L users for each of N items
/// from ordered candidate lists over a day of U active users with cap Q, as the creator side does.
/// With several dispatcher threads, each takes the next item; SQLite then commits the reservations that queue up
/// while one commit is being written together (group commit).
/// Usage: stores &lt;users&gt; &lt;items&gt; &lt;candidates&gt; &lt;limit&gt; [redis configuration or -] [threads].
/// </summary>
public static class StoreBench
{
    public static int Run(string[] args)
    {
        var users = int.Parse(args[0], CultureInfo.InvariantCulture);
        var items = int.Parse(args[1], CultureInfo.InvariantCulture);
        var candidates = int.Parse(args[2], CultureInfo.InvariantCulture);
        var limit = int.Parse(args[3], CultureInfo.InvariantCulture);
        var redis = args.Length > 4 && args[4] != "-" ? args[4] : null;
        var threads = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 1;
        var directory = Path.Combine(Path.GetTempPath(), $"twofold-store-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            Measure("in-memory", () => new InMemoryAvailabilityStore(), users, items, candidates, limit, threads);
            Measure("sqlite", () => new SqliteAvailabilityStore(Path.Combine(directory, "ledger.db")), users, items, candidates, limit, threads);
            Measure("sqlite (synchronous=NORMAL)", () => new SqliteAvailabilityStore(Path.Combine(directory, "ledger-normal.db"), SqliteDurability.Normal), users, items, candidates, limit, threads);
            if (redis is not null) Measure("redis", () => new RedisAvailabilityStore(redis, "bench-" + Guid.NewGuid().ToString("N")), users, items, candidates, limit, threads);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private static void Measure(string name, Func<IAvailabilityStore> create, int users, int items, int candidateCount, int limit, int threads)
    {
        using var store = create();
        var open = Stopwatch.StartNew();
        store.OpenDay(0, 10, Enumerable.Range(0, users).ToList());
        var openSeconds = open.Elapsed.TotalSeconds;
        var random = new Random(1);
        var lists = Enumerable.Range(0, items).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, candidateCount).Select(_ => random.Next(users)).ToList()).ToList();
        var latencies = new double[items];
        var clock = Stopwatch.StartNew();
        long reserved = 0;
        var next = -1;
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            for (int item; (item = Interlocked.Increment(ref next)) < items;)
            {
                var start = Stopwatch.GetTimestamp();
                Interlocked.Add(ref reserved, store.Reserve(0, item, lists[item], limit).Users.Count);
                latencies[item] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-10} threads {threads,2} | open day {openSeconds,6:F2} s | {items / seconds,8:N0} reservations/s | {reserved / seconds,10:N0} users/s | p50 {latencies[items / 2]:F3} ms | p99 {latencies[(int)(items * 0.99)]:F3} ms"));
    }
}
