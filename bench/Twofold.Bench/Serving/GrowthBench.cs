using System.Diagnostics;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Pipeline;
using Twofold.Vectors;

namespace Twofold.Bench.Serving;

/// <summary>
/// Catalogue growth as the service does it for each batch of uploads: a bundle opened for serving
/// (<see cref="ServingSession"/>), then one new pipeline grown from the last per upload (one item each, with a content
/// embedding), timed one by one, with what each allocated and the garbage collections it saw. Opening for serving makes
/// room in the catalogue's buffers (<see cref="DualRecPipeline.PrepareForServing"/>), so the first growth writes into
/// them as the later ones do.
/// </summary>
public static class GrowthBench
{
    public static int Run(string[] args)
    {
        const string usage = "usage: Twofold.Bench growth <bundle dir> <uploads (>= 1)> [slow ms=20]";
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var slowMs = 20.0;
        if (args.Length is < 2 or > 3 || !int.TryParse(args[1], invariant, out var uploads) || uploads < 1
            || (args.Length == 3 && !double.TryParse(args[2], invariant, out slowMs)))
        {
            Console.Error.WriteLine(usage);
            return 2;
        }
        if (!Directory.Exists(args[0]))
        {
            Console.Error.WriteLine($"growth: the bundle directory {args[0]} does not exist");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        using var session = ServingSession.Open(args[0]);
        session.Pipeline.PrepareForServing(); // as the service does at start-up
        Console.WriteLine($"opened in {clock.Elapsed.TotalSeconds:F1} s: {session.Pipeline.ItemCount:N0} items");
        var items = ServingSession.ReadCatalogue(session.Bundle, Dataset.Open(session.Bundle.Manifest.Dataset));
        // As the service's catalogue: an array with room, handed to each pipeline as a segment.
        var catalogue = new Item[items.Count + uploads];
        items.CopyTo(catalogue, 0);
        var count = items.Count;
        var dimension = items.First(i => i.ContentEmbedding is not null).ContentEmbedding!.Length;
        var random = new Random(1);
        var pipeline = session.Pipeline;
        var feedUsers = Enumerable.Range(0, 64).Select(k => k * 7919 % session.Bundle.Manifest.Users).ToArray();
        Console.WriteLine($"two-tower item search for a batch of 64 feeds before the uploads: {SearchBatch(pipeline, feedUsers):F2} ms");
        var times = new double[uploads];
        long allocatedAfterFirst = 0;
        var (gen1Start, gen2Start) = (GC.CollectionCount(1), GC.CollectionCount(2));
        for (var u = 0; u < uploads; u++)
        {
            var template = catalogue[random.Next(items.Count)];
            var embedding = new float[dimension];
            for (var d = 0; d < dimension; d++) embedding[d] = (float)(random.NextDouble() * 2 - 1);
            catalogue[count] = template with { Id = new ItemId(count), ExternalId = $"growth-{u}", ContentEmbedding = embedding };
            count++;
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            clock.Restart();
            // The service's defaults (DualRec-v5, λ = 1, one thread per call) and its growth: from the last pipeline.
            pipeline = new DualRecPipeline(session.Bundle, new ArraySegment<Item>(catalogue, 0, count), session.Store, DispatchOptions.Version(5),
                new CombinedOptions { Threads = 1 }, pipeline.Graph, grownFrom: pipeline);
            times[u] = clock.Elapsed.TotalMilliseconds;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            if (u > 0) allocatedAfterFirst += allocated;
            if (times[u] >= slowMs)
                Console.WriteLine($"  upload {u}: {times[u]:F1} ms, {allocated / 1024.0:F0} KB allocated (collections during it: gen 0 {GC.CollectionCount(0) - gen0}, gen 1 {GC.CollectionCount(1) - gen1}, gen 2 {GC.CollectionCount(2) - gen2})");
        }
        Console.WriteLine($"allocated per upload after the first: {allocatedAfterFirst / Math.Max(1, uploads - 1) / 1024.0:F1} KB; collections: gen 1 {GC.CollectionCount(1) - gen1Start}, gen 2 {GC.CollectionCount(2) - gen2Start}");
        Console.WriteLine($"two-tower item search for a batch of 64 feeds after {uploads:N0} uploads: {SearchBatch(pipeline, feedUsers):F2} ms");
        // The users' queries, and (as queries that have uploads near them) 256 uploads' own embeddings.
        var dimensions = session.Bundle.TwoTower.Dimension;
        var userQueries = feedUsers.SelectMany(u => session.Bundle.TwoTower.Embedding(Side.User, u).ToArray()).ToArray();
        var uploadRows = Enumerable.Range(0, 256).Select(k => items.Count + k * (uploads / 256)).Where(i => pipeline.Items.HasEmbedding(i)).ToArray();
        var uploadQueries = uploadRows.SelectMany(i => pipeline.Items.Row(i).ToArray()).ToArray();
        foreach (var (name, queries) in new[] { ("64 feeds' users", userQueries), ($"{uploadRows.Length} uploads' embeddings", uploadQueries) })
        {
            var (recall, worst, uploadsInTruth, uploadsFound) = Recall(pipeline, queries, dimensions, items.Count);
            Console.WriteLine($"  recall@200 of the feeds' item search, {name} as queries, against the exact scan of every item with an embedding: " +
                $"{recall:F4} (worst query {worst:F3}); uploads among the exact top 200s: {uploadsInTruth:N0}, of which found {uploadsFound:N0}");
        }
        Array.Sort(times);
        Console.WriteLine($"growth per upload: p50 {times[uploads / 2]:F2} ms, p99 {times[uploads * 99 / 100]:F2} ms, max {times[^1]:F1} ms, mean {times.Average():F2} ms");
        return 0;
    }

    /// <summary>
    /// How much of each query's exact top 200 (every item with an embedding, uploads included, scored in floats) the
    /// feeds' item search finds, the worst query's share, how many uploads the exact top 200s hold and how many of
    /// those the search found.
    /// </summary>
    private static (double Mean, double Worst, int UploadsInTruth, int UploadsFound) Recall(DualRecPipeline pipeline, float[] queries, int dimension, int trainedItems)
    {
        var found = pipeline.Items.SearchMany(queries, 200, null);
        var (sum, worst, uploads, uploadsFound) = (0.0, 1.0, 0, 0);
        for (var q = 0; q < found.Length; q++)
        {
            var query = queries.AsSpan(q * dimension, dimension);
            var exact = new TopKBuffer(200);
            for (var item = 0; item < pipeline.ItemCount; item++)
                if (pipeline.Items.HasEmbedding(item)) exact.Push(VectorKernels.Dot(query, pipeline.Items.Row(item)), item);
            var truth = exact.ToSortedArray();
            var ids = found[q].Select(n => n.Id).ToHashSet();
            var share = truth.Count(n => ids.Contains(n.Id)) / (double)truth.Length;
            (sum, worst) = (sum + share, Math.Min(worst, share));
            uploads += truth.Count(n => n.Id >= trainedItems);
            uploadsFound += truth.Count(n => n.Id >= trainedItems && ids.Contains(n.Id));
        }
        return (sum / found.Length, worst, uploads, uploadsFound);
    }

    /// <summary>The fastest of 20 rounds of the feeds' two-tower retrieval (quota 200) for the users at once, in ms.</summary>
    private static double SearchBatch(DualRecPipeline pipeline, int[] users)
    {
        var best = double.MaxValue;
        for (var round = 0; round < 20; round++)
        {
            var clock = Stopwatch.StartNew();
            pipeline.UserSideTwoTower.RetrieveMany(users, 200, null);
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
