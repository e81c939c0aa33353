using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Twofold.CreatorSide;
using Twofold.Diagnostics;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Retrieval;
using Twofold.Storage;
using Twofold.Vectors;

namespace Twofold.Bench.Dispatch;

/// <summary>
/// Creator-side dispatch end to end (DualRec Algorithm 1, version 5): for each new item, the three retrievals over the
/// available users, creator-side ranking of the union (~1,000 candidates) by g_ui, the top L, and the reservation in
/// the availability store, through <see cref="CreatorSideRecommender"/> as the service runs it. One simulated day:
/// a fraction of the users is predicted active, and items are dispatched until the available set has shrunk.
/// Usage: dispatch &lt;users&gt; &lt;items to dispatch&gt; [active fraction] [stores: memory,sqlite,sqlite-normal] [threads] [largest batch]
/// [arrival rates per second, 0 = all items waiting from the start] [user searches: exact, clustered or clustered:PROBES,
/// comma-separated; default the pipeline's <see cref="DispatchOptions.UserSearch"/>] [threads one prediction call may use,
/// comma-separated; default 1, as the service sets it: the dispatchers already keep the cores busy].
/// </summary>
public static class DispatchBench
{
    private const int Dimension = 64;
    private const int MeanHistory = 20;
    /// <summary>Items dispatched before the measured day (see Measure).</summary>
    private const int WarmUp = 2000;
    /// <summary>Of those, the first ones whose steps are timed alone and whose candidates are counted.</summary>
    private const int Profiled = 100;

    public static int Run(string[] args)
    {
        var users = int.Parse(args[0], CultureInfo.InvariantCulture);
        var dispatches = int.Parse(args[1], CultureInfo.InvariantCulture);
        var activeFraction = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0.3;
        var stores = args.Length > 3 ? args[3].Split(',') : ["memory", "sqlite"];
        var threads = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 2;
        var batch = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 32;
        var rates = args.Length > 6 ? args[6].Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray() : [0.0, 1000.0];
        var searches = args.Length > 7 ? args[7].Split(',').Select(UserSearch).ToArray() : [new DispatchOptions().UserSearch];
        var predictionThreads = args.Length > 8 ? args[8].Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray() : [1];
        var catalogue = users / 5;

        TorchRuntime.RunOperationsOnCallingThreads();
        // GC pauses are collected for the whole process from its start, as the service collects them for its metrics:
        // a listener (an event session) started with each day was one of the costs of the day's first 40 ms.
        var pauses = new ConcurrentQueue<double>();
        using var listener = new GcPauses(pauses.Enqueue);
        var build = Stopwatch.StartNew();
        using var world = DispatchWorld.Generate(users, catalogue, Dimension, MeanHistory, seed: 1,
            step => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{build.Elapsed.TotalSeconds,6:F1} s] {step}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"world: {users:N0} users, {catalogue:N0} items, d = {Dimension}, {world.Graph.UserToItems.EdgeCount:N0} edges, built in {build.Elapsed.TotalSeconds:F1} s; load {LoadAverage.Read(1)}"));

        var random = new Random(2);
        var active = Enumerable.Range(0, users).Where(_ => random.NextDouble() < activeFraction).ToList();
        // The day's uploads: items with a first few engagements, so every source (i2u2u too) has something to give.
        var uploads = Enumerable.Range(0, catalogue).Where(i => world.Graph.ItemToUsers.Degree(i) is >= 20 and <= 200)
            .OrderBy(_ => random.Next()).Take(WarmUp + dispatches).ToList();
        if (uploads.Count < WarmUp + dispatches) throw new InvalidOperationException($"Only {uploads.Count} items qualify as uploads.");

        var directory = Path.Combine(Path.GetTempPath(), $"twofold-dispatch-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            foreach (var name in stores)
            {
                Func<IAvailabilityStore> create = name switch
                {
                    "memory" => () => new InMemoryAvailabilityStore(),
                    "sqlite" => () => new SqliteAvailabilityStore(Path.Combine(directory, $"ledger-{Guid.NewGuid():N}.db")),
                    "sqlite-normal" => () => new SqliteAvailabilityStore(Path.Combine(directory, $"ledger-{Guid.NewGuid():N}.db"), SqliteDurability.Normal),
                    _ => throw new ArgumentException($"Unknown store '{name}' (memory, sqlite, sqlite-normal)."),
                };
                foreach (var search in searches)
                foreach (var predicting in predictionThreads)
                foreach (var rate in rates)
                {
                    world.Ranker.PredictionThreads = predicting;
                    Measure(name, create, world, active, uploads, threads, batch, rate, search, pauses);
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return 0;
    }

    private static void Measure(string name, Func<IAvailabilityStore> createStore, DispatchWorld world, IReadOnlyCollection<int> active,
        IReadOnlyList<int> uploads, int threads, int batch, double rate, ClusteredSearchOptions search, ConcurrentQueue<double> pauses)
    {
        using var store = createStore();
        var options = DispatchOptions.Version(5) with { UserSearch = search };
        var index = Stopwatch.StartNew();
        var available = new AvailableUsers(world.Users, world.UserEmbeddings, world.Dimension, options.UserSearch);
        var indexSeconds = index.Elapsed.TotalSeconds;
        var searchName = available.Embeddings is ClusteredVectorSet clustered
            ? $"clustered {clustered.Clusters} / {clustered.Probes} probes (built in {indexSeconds:F1} s)"
            : "exact scan";
        var retriever = new TwoHopRetriever(world.Graph, world.UserSimilarity, world.ItemSimilarity);
        var sources = DualRecPipeline.CreatorSideSources(options, available, i => world.ItemEmbeddings.AsSpan(i * world.Dimension, world.Dimension).ToArray(), retriever, retriever);
        var recommender = new CreatorSideRecommender(sources, world.Ranker, world.Bias, store, available, options);

        var open = Stopwatch.StartNew();
        recommender.OpenDay(0, active);
        var openSeconds = open.Elapsed.TotalSeconds;
        var startAvailable = available.Count;

        // Candidates ranked per item (the union of the sources), counted on the first warm-up items before they are dispatched.
        var profiled = uploads.Take(Profiled).ToList();
        var candidates = profiled.Average(item =>
            CandidateUnion.Merge(sources.Select(s => s.Retrieve(item, options.QuotaPerSource, available.Filter))).Count);
        Phases(sources, world, options, available, profiled);
        // The warm-up items are dispatched on a day of their own, so the measured day starts with every active user
        // available and with the code already compiled at its final tier (the first seconds of a process otherwise
        // run slower code and build a queue that the rest of a short run inherits).
        for (var k = 0; k < WarmUp; k += batch) recommender.DispatchMany(0, uploads.Skip(k).Take(Math.Min(batch, WarmUp - k)).ToList());
        // ...and again at the measured rate from the dispatcher threads, each time on a new day, until the JIT compiled
        // fewer than 20 methods in a round (at most five rounds): the tiered compiler's final code arrives in the
        // background over seconds, and a run that starts before then runs slower code and shares the two cores with the
        // compiler. With the sequential warm-up alone, the first run of a process had the tails whichever store it
        // measured (a first run of the SQLite store p99 42 ms, 11–22 ms for the next two; with the in-memory store run
        // first, 7.8–11.8 ms for the SQLite store's three), and the JIT compiled 296 methods during the first.
        var day = 0;
        var jitRounds = 0;
        var warmUpItems = uploads.Take(WarmUp).ToList();
        for (var compiled = long.MaxValue; compiled >= 20 && jitRounds < 5; jitRounds++)
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            recommender.OpenDay(++day, active);
            RunDay(recommender, available, day, warmUpItems, threads, batch, rate, pauses);
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
        }
        var measuredDay = ++day;
        recommender.OpenDay(measuredDay, active);
        var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var (latencies, availableBefore, serviceMs, matched, seconds, cpuPerItem, dayPauses, pausedBefore, gen2Before, allocatedBefore, began, releases) =
            RunDay(recommender, available, measuredDay, uploads.Skip(WarmUp).ToList(), threads, batch, rate, pauses);
        var count = latencies.Length;
        var jitDuring = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-7} {searchName} {(rate > 0 ? $"arrivals {rate:N0}/s" : "backlog"),-16} threads {threads} batch <= {batch,-3} predicting on {world.Ranker.PredictionThreads} | open day {openSeconds:F2} s | " +
            $"{count / seconds,7:N0} items/s | CPU {cpuPerItem:F2} ms per item | p50 {Percentile(latencies, 0.5):F1} ms p99 {Percentile(latencies, 0.99):F1} ms | " +
            $"{candidates:F0} candidates, {matched / (double)count:F1} users per item | available {startAvailable:N0} -> {available.Count:N0} | " +
            $"allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / 1024.0 / count:F0} KB per item, GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms ({PauseSummary(dayPauses)}, {GC.CollectionCount(2) - gen2Before} gen 2) | " +
            $"warm-up {1 + jitRounds} rounds, JIT compiled {jitDuring} methods during the run | load {LoadAverage.Read(1)}"));
        // The day in quarters: the available set shrinks as users reach Q.
        for (var q = 0; q < 4; q++)
        {
            var from = q * count / 4;
            var to = (q + 1) * count / 4;
            var slice = latencies[from..to];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"        quarter {q + 1}: available {availableBefore[from]:N0} -> {availableBefore[to - 1]:N0} | p50 {Percentile(slice, 0.5):F1} ms p99 {Percentile(slice, 0.99):F1} ms | batches took {serviceMs[from..to].Average():F2} ms per item"));
        }
        // When in the day the slowest items arrived: one stall makes a run of neighbours slow, a load spread evenly does not.
        if (rate > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"        slowest (the day began at {began:HH:mm:ss.fff} UTC): ") + string.Join(", ", Enumerable.Range(0, count).OrderByDescending(k => latencies[k]).Take(8)
                .Select(k => string.Create(CultureInfo.InvariantCulture, $"{latencies[k]:F0} ms at {k / rate:F2} s"))) +
                string.Create(CultureInfo.InvariantCulture,
                    $"; arrivals released late: the longest gap between releases {releases.LongestMs:F0} ms, ending at {releases.EndedAtSeconds:F2} s, {releases.Over5Ms} gaps over 5 ms"));
    }

    /// <summary>
    /// One day of <paramref name="items"/> arriving at <paramref name="rate"/> a second (all at once when 0), taken by
    /// <paramref name="threads"/> dispatcher threads in batches of up to <paramref name="batch"/>: each item's latency,
    /// the available users before it, its share of its batch's wall time, and the run's totals.
    /// </summary>
    private static (double[] Latencies, int[] AvailableBefore, double[] ServiceMs, long Matched, double Seconds, double CpuPerItem,
        double[] Pauses, TimeSpan PausedBefore, int Gen2Before, long AllocatedBefore, DateTime Began, ReleaseGaps Releases)
        RunDay(CreatorSideRecommender recommender, AvailableUsers available, int day, IReadOnlyList<int> items, int threads, int batch, double rate,
            ConcurrentQueue<double> pauses)
    {
        // Items arrive at `rate` a second (all at once when 0); each dispatcher thread takes every arrived item, up to
        // `batch`, and dispatches them together. An item's latency runs from its arrival (from the start of its batch
        // when all arrive at once) to the return of its batch.
        var count = items.Count;
        var latencies = new double[count];
        var availableBefore = new int[count];
        var serviceMs = new double[count]; // the wall time of an item's batch, shared among its items
        long matched = 0;
        var next = 0;
        var released = 0;
        var gate = new object();
        pauses.Clear(); // the day's pauses only
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (pausedBefore, gen2Before, allocatedBefore) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        var clock = Stopwatch.StartNew();
        var began = DateTime.UtcNow; // to place the day's slowest items beside other monitors' records
        double Arrival(int k) => rate > 0 ? k / rate * 1000 : 0;
        var releases = new ReleaseGaps();
        // Arrivals: one thread releases the items whose time has come, every millisecond (a thread cannot sleep for
        // less), and wakes the dispatchers; an item released late waits for it in its latency, which runs from its
        // arrival time. Dispatchers block while nothing has arrived, as a service's dispatcher waits on its queue
        // (threads spinning for the next arrival took the cores the other dispatcher's batch was running on).
        // Its gaps between rounds are kept: a gap far over a millisecond means the thread itself did not run, and the
        // items due meanwhile were released late whatever the dispatchers were doing (a stall of the harness, or of
        // the machine, rather than of the dispatch).
        var arrivals = new Thread(() =>
        {
            var last = clock.Elapsed.TotalMilliseconds;
            while (true)
            {
                var now = clock.Elapsed.TotalMilliseconds;
                releases.Observe(now - last, now);
                last = now;
                lock (gate)
                {
                    var upTo = released;
                    while (upTo < count && Arrival(upTo) <= now) upTo++;
                    if (upTo > released)
                    {
                        released = upTo;
                        Monitor.PulseAll(gate);
                    }
                    if (released == count) return;
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        arrivals.Start();
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            while (true)
            {
                int from, to;
                lock (gate)
                {
                    while (next < count && next >= released) Monitor.Wait(gate);
                    if (next >= count) return;
                    from = next;
                    to = next = Math.Min(released, from + batch);
                    if (next == count) Monitor.PulseAll(gate); // the other dispatchers may stop waiting
                }
                var begin = clock.Elapsed.TotalMilliseconds;
                for (var k = from; k < to; k++) availableBefore[k] = available.Count;
                var dispatched = recommender.DispatchMany(day, items.Skip(from).Take(to - from).ToList());
                var end = clock.Elapsed.TotalMilliseconds;
                for (var k = from; k < to; k++)
                {
                    latencies[k] = end - (rate > 0 ? Arrival(k) : begin);
                    serviceMs[k] = (end - begin) / (to - from);
                }
                Interlocked.Add(ref matched, dispatched.Sum(d => d.Users.Count));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(workers);
        arrivals.Join();
        var seconds = clock.Elapsed.TotalSeconds;
        // CPU time of the whole process over the timed part (all threads, user + system): what a dispatch costs when
        // the machine is shared, where wall-clock rates mostly measure the other processes.
        var cpuPerItem = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / count;
        return (latencies, availableBefore, serviceMs, matched, seconds, cpuPerItem, pauses.ToArray(), pausedBefore, gen2Before, allocatedBefore, began, releases);
    }

    /// <summary>The arrivals thread's gaps between two rounds of releases (a round every millisecond when it runs on time).</summary>
    private sealed class ReleaseGaps
    {
        public double LongestMs { get; private set; }

        /// <summary>When the longest gap ended, in seconds from the day's start.</summary>
        public double EndedAtSeconds { get; private set; }

        public int Over5Ms { get; private set; }

        public void Observe(double gapMs, double nowMs)
        {
            if (gapMs > 5) Over5Ms++;
            if (gapMs <= LongestMs) return;
            LongestMs = gapMs;
            EndedAtSeconds = nowMs / 1000;
        }
    }

    /// <summary>"N GC pauses, p90 X ms, longest Y ms".</summary>
    private static string PauseSummary(IEnumerable<double> pausesMs)
    {
        var pauses = pausesMs.Order().ToList();
        if (pauses.Count == 0) return "no GC pauses";
        return string.Create(CultureInfo.InvariantCulture,
            $"{pauses.Count} GC pauses, p90 {pauses[(int)(0.9 * (pauses.Count - 1))]:F1} ms, longest {pauses[^1]:F1} ms");
    }

    /// <summary>Where a dispatch's time goes: each step of <see cref="CreatorSideRecommender.Dispatch"/> timed alone (no reservation).</summary>
    private static void Phases(IReadOnlyList<ICandidateRetrieval> sources, DispatchWorld world, DispatchOptions options, AvailableUsers available, IReadOnlyList<int> items)
    {
        var times = new double[sources.Count + 3];
        var allocated = new long[sources.Count + 3]; // bytes allocated by this thread in each step
        // Two passes, the first untimed: in the process's first measurement it would time the JIT's first tiers.
        for (var pass = 0; pass < 2; pass++)
        {
            Array.Clear(times);
            Array.Clear(allocated);
            foreach (var item in items)
            {
                var lists = new List<IReadOnlyList<Candidate>>();
                for (var s = 0; s < sources.Count; s++)
                {
                    var (begin, bytes) = (Stopwatch.GetTimestamp(), GC.GetAllocatedBytesForCurrentThread());
                    lists.Add(sources[s].Retrieve(item, options.QuotaPerSource, available.Filter));
                    times[s] += Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                    allocated[s] += GC.GetAllocatedBytesForCurrentThread() - bytes;
                }
                var (mark, before) = (Stopwatch.GetTimestamp(), GC.GetAllocatedBytesForCurrentThread());
                var union = CandidateUnion.Merge(lists);
                times[sources.Count] += Stopwatch.GetElapsedTime(mark).TotalMilliseconds;
                allocated[sources.Count] += GC.GetAllocatedBytesForCurrentThread() - before;
                var users = union.Select(c => c.Id).ToArray();
                var pairItems = Enumerable.Repeat(item, users.Length).ToArray();
                (mark, before) = (Stopwatch.GetTimestamp(), GC.GetAllocatedBytesForCurrentThread());
                var predictions = world.Ranker.Predict(users, pairItems);
                times[sources.Count + 1] += Stopwatch.GetElapsedTime(mark).TotalMilliseconds;
                allocated[sources.Count + 1] += GC.GetAllocatedBytesForCurrentThread() - before;
                (mark, before) = (Stopwatch.GetTimestamp(), GC.GetAllocatedBytesForCurrentThread());
                var scores = new float[users.Length];
                CreatorSideRecommender.Integrate(predictions, world.Ranker.Tasks, options, users, world.Bias, scores);
                _ = Enumerable.Range(0, users.Length).OrderByDescending(p => scores[p]).ThenBy(p => users[p]).ToList();
                times[sources.Count + 2] += Stopwatch.GetElapsedTime(mark).TotalMilliseconds;
                allocated[sources.Count + 2] += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        // The prediction split into the input's assembly and the network's forward, on the last item's candidates; the
        // forward with the candidates grouped (the item's part of the first layer once) and without, alternating, the
        // fastest of 20 each (the least disturbed by other processes).
        var lastUsers = CandidateUnion.Merge(sources.Select(s => s.Retrieve(items[^1], options.QuotaPerSource, available.Filter))).Select(c => c.Id).ToArray();
        var lastItems = Enumerable.Repeat(items[^1], lastUsers.Length).ToArray();
        var build = double.MaxValue;
        var forward = new[] { double.MaxValue, double.MaxValue };
        var probabilities = new float[lastUsers.Length * world.Ranker.Tasks.Count];
        for (var r = 0; r < 20; r++)
        {
            using var buffers = new RentedArrays();
            var mark0 = Stopwatch.GetTimestamp();
            var input = world.Ranker.BuildInput(lastUsers, lastItems, ReadOnlySpan<long>.Empty, ReadOnlySpan<Twofold.Ranking.FeedbackModel.RowMode>.Empty, buffers);
            build = Math.Min(build, Stopwatch.GetElapsedTime(mark0).TotalMilliseconds);
            for (var grouped = 0; grouped < 2; grouped++)
            {
                var variant = grouped == 1 ? input : input with { Groups = null };
                mark0 = Stopwatch.GetTimestamp();
                using (torch.no_grad())
                    world.Ranker.Network.Probabilities(variant, probabilities);
                forward[grouped] = Math.Min(forward[grouped], Stopwatch.GetElapsedTime(mark0).TotalMilliseconds);
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"        predict of {lastUsers.Length} rows (fastest of 20): input {build:F3} ms, forward + sigmoid (heads kernel) {forward[1]:F3} ms grouped, {forward[0]:F3} ms ungrouped ({world.Ranker.Network.Config.InputWidth} inputs, bag of {world.Ranker.Options.RecentUsers})"));
        var names = sources.Select(s => s.Source.ToString()).Concat(["union", "predict", "score+sort"]);
        Console.WriteLine("        per item: " + string.Join(", ", names.Zip(times, allocated).Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.First} {p.Second / items.Count:F3} ms ({p.Third / 1024.0 / items.Count:F0} KB)"))));
    }

    /// <summary>exact, clustered (the default settings) or clustered:PROBES.</summary>
    private static ClusteredSearchOptions UserSearch(string name) => name switch
    {
        "exact" => ClusteredSearchOptions.Never,
        "clustered" => new ClusteredSearchOptions { From = 1 },
        _ when name.StartsWith("clustered:", StringComparison.Ordinal) && int.TryParse(name["clustered:".Length..], CultureInfo.InvariantCulture, out var probes)
            => new ClusteredSearchOptions { From = 1, Probes = probes },
        _ => throw new ArgumentException($"Unknown user search '{name}' (exact, clustered, clustered:PROBES)."),
    };

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

}
