using System.Diagnostics;
using System.Globalization;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Models;
using Twofold.Pipeline;
using Twofold.Similarity;
using Twofold.Simulation;

namespace Twofold.Bench.Simulation;

/// <summary>
/// <c>first-training DATASET [read|graph|two-tower-sample|all]</c>: the platforms' shared first training of <c>simulate-bench</c> (same
/// options, same components) on a dataset written by <c>simulate-warmup</c>, printing each step's time, the working
/// set at its end and the highest working set sampled during it (every 100 ms). <c>graph</c> runs only the graph and
/// the collaborative similarities, <c>read</c> only reads the log,
/// <c>two-tower-sample</c> compares the capped two-tower fit from its streamed sample with the fit from the whole log.
/// </summary>
public static class FirstTrainingBench
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Twofold.Bench first-training DATASET [read|graph|two-tower-sample|all]");
            return 2;
        }
        var dataset = Dataset.Open(args[0]);
        var only = args.Length > 1 ? args[1] : "all";
        var m = dataset.Manifest;
        var settings = SimulationBench.Settings(m.Users, 8, 1, 50);
        var strategies = settings.Arms.Select(StrategyConfig.Named).ToList();
        var options = strategies.Select(s => RecommenderPlatform.ComponentsFor(s, settings.Platform.Bundle))
            .Aggregate((a, b) => a with { CreatorSideRanker = a.CreatorSideRanker || b.CreatorSideRanker, TrainActivity = a.TrainActivity || b.TrainActivity });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first-training: {m.Users:N0} users, {m.Items:N0} items, {m.Interactions:N0} impressions; load average {LoadAverage.Read(5)}"));

        var stepPeak = 0L;
        using var sampler = new Timer(_ =>
        {
            using var self = Process.GetCurrentProcess();
            Interlocked.Exchange(ref stepPeak, Math.Max(Interlocked.Read(ref stepPeak), self.WorkingSet64));
        }, null, 0, 100);
        var clock = Stopwatch.StartNew();
        var step = "start";
        var allocated = GC.GetTotalAllocatedBytes();
        var fullCollections = GC.CollectionCount(2);
        void Step(string next)
        {
            using var self = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {step,-26} {clock.Elapsed.TotalSeconds,7:F1} s  working set {self.WorkingSet64 / 1e9:F2} GB (highest {Math.Max(Interlocked.Read(ref stepPeak), self.WorkingSet64) / 1e9:F2} GB)  managed heap {GC.GetTotalMemory(false) / 1e9:F2} GB  allocated {(GC.GetTotalAllocatedBytes() - allocated) / 1e9:F2} GB in {GC.CollectionCount(2) - fullCollections} full collections"));
            allocated = GC.GetTotalAllocatedBytes();
            fullCollections = GC.CollectionCount(2);
            step = next;
            Interlocked.Exchange(ref stepPeak, 0);
            clock.Restart();
        }

        if (only == "read")
        {
            Step("read the log");
            long rows = 0;
            foreach (var batch in dataset.Events.ReadBatches(reuse: true)) rows += batch.Count;
            Step("end");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rows:N0} rows"));
            return 0;
        }
        if (only == "two-tower-sample")
        {
            // The capped two-tower fit from its sample against the same fit from the whole log in memory.
            Step("two-tower from the sample");
            var sampled = TwoTowerTrainer.Fit(TwoTowerData.FromDataset(dataset, options.TwoTower), options.TwoTower);
            Step("two-tower from the whole log");
            var whole = TwoTowerTrainer.Fit(TwoTowerData.FromDataset(dataset), options.TwoTower);
            Step("end");
            var users = sampled.UserEmbeddings.Span.SequenceEqual(whole.UserEmbeddings.Span);
            var items = sampled.ItemEmbeddings.Span.SequenceEqual(whole.ItemEmbeddings.Span);
            Console.WriteLine($"  identical user embeddings: {users}, identical item embeddings: {items}");
            return users && items ? 0 : 1;
        }
        if (only == "graph")
        {
            Step("graph");
            var graph = InteractionGraph.Build(dataset.Events, m.Users, m.Items, options.Graph);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  graph: {graph.UserToItems.EdgeCount:N0} edges; user history {Describe(graph.UserToItems)}; item history {Describe(graph.ItemToUsers)}"));
            Step("user similarity");
            var users = CollaborativeSimilarity.Compute(graph, Side.User, options.Similarity);
            Step("item similarity");
            var items = CollaborativeSimilarity.Compute(graph, Side.Item, options.Similarity);
            Step("end");
            GC.KeepAlive(users);
            GC.KeepAlive(items);
            return 0;
        }
        using var bundle = ModelBundle.Train(dataset, options, Step);
        Step("end");
        return 0;
    }

    /// <summary>Degree distribution of one side: mean, 99th percentile, maximum.</summary>
    private static string Describe(Adjacency side)
    {
        var degrees = new int[side.NodeCount];
        for (var n = 0; n < degrees.Length; n++) degrees[n] = side.Degree(n);
        Array.Sort(degrees);
        return string.Create(CultureInfo.InvariantCulture,
            $"{degrees.Length:N0} nodes, mean degree {degrees.Average():F1}, p50 {degrees[degrees.Length / 2]}, p99 {degrees[(int)(degrees.Length * 0.99)]}, max {degrees[^1]}");
    }
}
