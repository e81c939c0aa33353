using System.Diagnostics;
using System.Globalization;
using Twofold.Domain;
using Twofold.Models;
using Twofold.Vectors;

namespace Twofold.Bench.Vectors;

/// <summary>
/// <c>item-search BUNDLE [queries] [k] [efs|none]</c>: the user-side two-tower retrieval of a trained bundle as feeds
/// query it — user embeddings of random users against the items, top-k, one thread — by the exact float scan, by the
/// 8-bit first pass with exact re-scoring that the pipeline uses for large catalogues, and (unless "none") by an HNSW
/// graph built here over the items at each ef: recall@k against the exact scan and time per query. The graph's own
/// calibration (item points as queries) is printed beside it, since user queries are not items. With the environment
/// variable ITEM_SEARCH_EXPORT set to a directory it also writes items.npy and queries.npy there for the peers
/// (bench/vectors/item_search_peers.py: hnswlib and faiss on the same vectors).
/// </summary>
internal static class ItemSearchBench
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: item-search BUNDLE [queries=500] [k=200] [efs=200,400,800 | none]");
            return 2;
        }
        var bundle = args[0];
        var queries = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
        var k = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var efArgument = args.Length > 3 ? args[3] : "200,400,800";
        var efs = efArgument == "none" ? [] : efArgument.Split(',').Select(e => int.Parse(e, CultureInfo.InvariantCulture)).ToArray();
        var towerPath = Path.Combine(bundle, "two-tower.bin");
        if (!File.Exists(towerPath))
        {
            Console.Error.WriteLine($"item-search: {towerPath} does not exist (not a trained bundle)");
            return 1;
        }

        var tower = TwoTowerModel.Load(towerPath);
        var exact = new FlatIndex(tower.ItemEmbeddings.Span, tower.Dimension);
        var random = new Random(7);
        var users = Enumerable.Range(0, queries).Select(_ => random.Next(tower.UserCount)).ToArray();
        var vectors = users.Select(u => tower.Embedding(Side.User, u).ToArray()).ToArray();
        if (Environment.GetEnvironmentVariable("ITEM_SEARCH_EXPORT") is { Length: > 0 } export)
        {
            Directory.CreateDirectory(export);
            Npy.Write<float>(Path.Combine(export, "items.npy"), tower.ItemEmbeddings.Span, tower.ItemCount, tower.Dimension);
            Npy.Write<float>(Path.Combine(export, "queries.npy"), vectors.SelectMany(v => v).ToArray(), queries, tower.Dimension);
        }
        Console.WriteLine($"items {tower.ItemCount:N0}, d = {tower.Dimension}, {queries} user queries, k = {k}; load average {LoadAverage.Read()}");
        static (double Mean, double Cv) Norms(IEnumerable<float[]> rows)
        {
            var norms = rows.Select(r => Math.Sqrt(VectorKernels.Dot(r, r))).ToArray();
            var mean = norms.Average();
            return (mean, Math.Sqrt(norms.Average(n => (n - mean) * (n - mean))) / mean);
        }
        var itemNorms = Norms(Enumerable.Range(0, Math.Min(tower.ItemCount, 20_000)).Select(i => tower.Embedding(Side.Item, i).ToArray()));
        var userNorms = Norms(vectors);
        Console.WriteLine($"norms: items mean {itemNorms.Mean:F3} (cv {itemNorms.Cv:F3}), user queries mean {userNorms.Mean:F3} (cv {userNorms.Cv:F3})");

        var truth = new HashSet<int>[queries];
        var clock = Stopwatch.StartNew();
        for (var q = 0; q < queries; q++) truth[q] = exact.Search(vectors[q], k).Select(n => n.Id).ToHashSet();
        var exactMs = clock.Elapsed.TotalMilliseconds / queries;
        Console.WriteLine($"exact scan: {exactMs:F3} ms/query");
        var sample = exact.Search(vectors[0], k);
        Console.WriteLine($"first query's exact scores: top {sample[0].Score:F3}, {k}th {sample[^1].Score:F3}");
        var items = tower.ItemEmbeddings.Span;
        var quantised = new CompactVectorSet(tower.Dimension, tower.ItemCount, CompactVectorSet.QuantisationScales(items, tower.Dimension));
        for (var i = 0; i < tower.ItemCount; i++) quantised.Add(i, items.Slice(i * tower.Dimension, tower.Dimension));
        quantised.Search(vectors[0], k);
        clock.Restart();
        var fromQuantised = vectors.Select(v => quantised.Search(v, k)).ToArray();
        var quantisedMs = clock.Elapsed.TotalMilliseconds / queries;
        var quantisedHits = Enumerable.Range(0, queries).Sum(q => fromQuantised[q].Count(n => truth[q].Contains(n.Id)));
        Console.WriteLine($"8-bit first pass + exact re-scoring (quantised: {quantised.IsQuantised}): recall@{k} {quantisedHits / (queries * (double)k):F4}, {quantisedMs:F3} ms/query ({exactMs / quantisedMs:F1}× the exact scan's speed)");
        foreach (var batch in new[] { 4, 16 })
        {
            var rows = new float[batch * tower.Dimension];
            clock.Restart();
            var batchedHits = 0;
            for (var start = 0; start + batch <= queries; start += batch)
            {
                for (var b = 0; b < batch; b++) vectors[start + b].CopyTo(rows, b * tower.Dimension);
                var found = quantised.SearchBatch(rows, k);
                for (var b = 0; b < batch; b++) batchedHits += found[b].Count(n => truth[start + b].Contains(n.Id));
            }
            var batches = queries / batch;
            var batchedMs = clock.Elapsed.TotalMilliseconds / (batches * batch);
            Console.WriteLine($"  the same, {batch} queries per pass: recall@{k} {batchedHits / (batches * batch * (double)k):F4}, {batchedMs:F3} ms/query ({exactMs / batchedMs:F1}×)");
        }
        // The clustered search of the creator side's available users, over the items with user queries.
        clock.Restart();
        var clustered = new ClusteredSearchOptions { From = 1 }.Build(items, tower.Dimension, CompactVectorSet.QuantisationScales(items, tower.Dimension));
        for (var i = 0; i < tower.ItemCount; i++) clustered.Add(i, items.Slice(i * tower.Dimension, tower.Dimension));
        Console.WriteLine($"clustered: {clustered.Clusters} clusters, {clustered.Probes} probes, built in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var batch in new[] { 1, 16 })
        {
            var rows = new float[batch * tower.Dimension];
            clustered.SearchBatch(vectors[0], k);
            clock.Restart();
            var hits = 0;
            var worst = 1.0;
            for (var start = 0; start + batch <= queries; start += batch)
            {
                for (var b = 0; b < batch; b++) vectors[start + b].CopyTo(rows, b * tower.Dimension);
                var found = clustered.SearchBatch(rows, k);
                for (var b = 0; b < batch; b++)
                {
                    var h = found[b].Count(n => truth[start + b].Contains(n.Id));
                    hits += h;
                    worst = Math.Min(worst, h / (double)k);
                }
            }
            var searched = queries / batch * batch;
            var ms = clock.Elapsed.TotalMilliseconds / searched;
            Console.WriteLine($"  clustered, {batch} queries per pass: recall@{k} {hits / (searched * (double)k):F4} (worst query {worst:F3}), {ms:F3} ms/query ({exactMs / ms:F1}× the exact scan's speed)");
        }
        if (efs.Length == 0) return 0;
        clock.Restart();
        var graph = HnswIndex.Build(items, tower.Dimension);
        Console.WriteLine($"HNSW built in {clock.Elapsed.TotalSeconds:F1} s; its calibration (item points as queries): "
            + $"{string.Join(", ", graph.Calibration?.Points.Select(p => $"{p.Fraction:P0} admitted → recall {p.Recall:F3}") ?? ["none"])}");
        foreach (var ef in efs)
        {
            graph.Search(vectors[0], k, strategy: SearchStrategy.Graph, ef: ef); // warm-up
            double hits = 0;
            clock.Restart();
            var found = new Neighbor[queries][];
            for (var q = 0; q < queries; q++) found[q] = graph.Search(vectors[q], k, strategy: SearchStrategy.Graph, ef: ef);
            var ms = clock.Elapsed.TotalMilliseconds / queries;
            for (var q = 0; q < queries; q++) hits += found[q].Count(n => truth[q].Contains(n.Id));
            Console.WriteLine($"graph ef {ef,4}: recall@{k} {hits / (queries * (double)k):F4}, {ms:F3} ms/query ({exactMs / ms:F1}× the exact scan's speed)");
        }
        return 0;
    }
}
