using System.Diagnostics;
using System.Globalization;
using Twofold.Bench.Dispatch;
using Twofold.Domain;
using Twofold.Models;
using Twofold.Vectors;

namespace Twofold.Bench.Vectors;

/// <summary>
/// <c>user-search BUNDLE|synthetic:USERS [probes=8,16,32,64,128] [clusters=0] [queries=300] [k=400] [available=0.3]</c>:
/// the creator-side two-tower retrieval as a dispatch runs it — item embeddings as queries against the embeddings of
/// the available users (a seeded sample), top-k, one thread — by the exact float scan (the reference), by the 8-bit
/// first pass with exact re-scoring (<see cref="CompactVectorSet"/>, the exact scan the pipeline runs), and by the
/// clustered set (<see cref="ClusteredVectorSet"/>, k-means over all users as the pipeline trains them) at each number
/// of probed clusters: recall@k against the reference, the share of the available users scanned, and time per query
/// one at a time and in batches of 8 and 32. The mirror of <c>item-search</c> for the other tower's queries.
/// A bundle is read only for its two-tower model; <c>synthetic:USERS</c> takes the embeddings of the dispatch
/// benchmark's world of that many users (<see cref="DispatchWorld.Embeddings"/>, seed 1). With the environment variable
/// USER_SEARCH_EXPORT set to a directory it also writes users.npy (all users), available.npy (their ids) and queries.npy
/// there for the peer (bench/vectors/user_search_peers.py: faiss's IVF on the same vectors).
/// </summary>
internal static class UserSearchBench
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: user-search BUNDLE|synthetic:USERS [probes=8,16,32,64,128] [clusters=0 (about √n)] [queries=300] [k=400] [available=0.3]");
            return 2;
        }
        var probes = (args.Length > 1 ? args[1] : "8,16,32,64,128").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var clusterCount = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
        var queries = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;
        var k = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 400;
        var fraction = args.Length > 5 ? double.Parse(args[5], CultureInfo.InvariantCulture) : 0.3;

        float[] users, items;
        int dimension;
        var clock = Stopwatch.StartNew();
        if (args[0].StartsWith("synthetic:", StringComparison.Ordinal))
        {
            var count = int.Parse(args[0]["synthetic:".Length..], CultureInfo.InvariantCulture);
            dimension = 64;
            (users, items) = DispatchWorld.Embeddings(count, count / 5, dimension, seed: 1);
        }
        else
        {
            var towerPath = Path.Combine(args[0], "two-tower.bin");
            if (!File.Exists(towerPath))
            {
                Console.Error.WriteLine($"user-search: {towerPath} does not exist (not a trained bundle)");
                return 1;
            }
            var tower = TwoTowerModel.Load(towerPath);
            dimension = tower.Dimension;
            users = tower.ExportUserEmbeddings();
            items = tower.ItemEmbeddings.ToArray();
        }
        var userCount = users.Length / dimension;
        var itemCount = items.Length / dimension;
        var random = new Random(7);
        var available = Enumerable.Range(0, userCount).Where(_ => random.NextDouble() < fraction).ToArray();
        var queryRows = new float[queries * dimension];
        for (var q = 0; q < queries; q++) items.AsSpan(random.Next(itemCount) * dimension, dimension).CopyTo(queryRows.AsSpan(q * dimension));
        if (Environment.GetEnvironmentVariable("USER_SEARCH_EXPORT") is { Length: > 0 } export)
        {
            Directory.CreateDirectory(export);
            Npy.Write<float>(Path.Combine(export, "users.npy"), users, userCount, dimension);
            Npy.Write<int>(Path.Combine(export, "available.npy"), available, available.Length, 1);
            Npy.Write<float>(Path.Combine(export, "queries.npy"), queryRows, queries, dimension);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{userCount:N0} users ({available.Length:N0} available), {itemCount:N0} items, d = {dimension}, {queries} item queries, k = {k}; read in {clock.Elapsed.TotalSeconds:F1} s; load {LoadAverage.Read(1)}"));

        var scales = CompactVectorSet.QuantisationScales(users, dimension);
        var exact = new CompactVectorSet(dimension, userCount);
        var quantised = new CompactVectorSet(dimension, userCount, scales);
        foreach (var u in available)
        {
            exact.Add(u, users.AsSpan(u * dimension, dimension));
            quantised.Add(u, users.AsSpan(u * dimension, dimension));
        }
        var (truth, exactMs) = Timed(exact, queryRows, queries, dimension, k);
        var truthSets = truth.Select(t => t.Select(n => n.Id).ToHashSet()).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exact float scan (reference): {exactMs:F3} ms/query"));
        Report("exact 8-bit first pass + re-scoring", quantised, queryRows, queries, dimension, k, truthSets, exactMs, 1.0);

        clock.Restart();
        var clusters = VectorClusters.Train(users, dimension, clusterCount > 0 ? clusterCount : VectorClusters.DefaultCount(userCount), seed: 1);
        var sizes = new int[clusters.Count];
        foreach (var c in clusters.Assignment) sizes[c]++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"k-means: {clusters.Count:N0} clusters of {sizes.Min():N0}–{sizes.Max():N0} users (median {sizes.Order().ElementAt(sizes.Length / 2):N0}) trained in {clock.Elapsed.TotalSeconds:F1} s"));
        foreach (var p in probes)
        {
            var set = new ClusteredVectorSet(clusters, p, scales);
            clock.Restart();
            foreach (var u in available) set.Add(u, users.AsSpan(u * dimension, dimension));
            var fill = clock.Elapsed.TotalSeconds;
            // The share of the available users a query scans: the members of its probed clusters.
            var availableSizes = new int[clusters.Count];
            foreach (var u in available) availableSizes[clusters.Assignment[u]]++;
            double scanned = 0;
            for (var q = 0; q < queries; q++)
            {
                var query = queryRows.AsMemory(q * dimension, dimension);
                scanned += Enumerable.Range(0, clusters.Count)
                    .Select(c => (Score: System.Numerics.Tensors.TensorPrimitives.Dot(query.Span, clusters.Centroids.AsSpan(c * dimension, dimension)), Size: availableSizes[c]))
                    .Where(c => c.Size > 0).OrderByDescending(c => c.Score).Take(p).Sum(c => c.Size);
            }
            Report($"clustered, {p,4} probes (filled in {fill:F2} s)", set, queryRows, queries, dimension, k, truthSets, exactMs, scanned / queries / available.Length);
        }
        return 0;
    }

    private static void Report(string name, IVectorSubset set, float[] queryRows, int queries, int dimension, int k, HashSet<int>[] truth, double exactMs, double scannedShare)
    {
        var (found, ms) = Timed(set, queryRows, queries, dimension, k);
        var hits = Enumerable.Range(0, queries).Sum(q => found[q].Count(n => truth[q].Contains(n.Id)));
        var worst = Enumerable.Range(0, queries).Min(q => found[q].Count(n => truth[q].Contains(n.Id)) / (double)truth[q].Count);
        var batched = new[] { 8, 32 }.Select(b => (b, Ms: BatchedMs(set, queryRows, queries, dimension, k, b))).ToArray();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{name,-48} recall@{k} {hits / (double)truth.Sum(t => t.Count):F4} (worst query {worst:F3}), scans {scannedShare:P1} | {ms:F3} ms/query ({exactMs / ms:F1}× the float scan)");
        Console.WriteLine(line + string.Concat(batched.Select(b => string.Create(CultureInfo.InvariantCulture, $", batch {b.b}: {b.Ms:F3} ms/query"))));
    }

    private static (Neighbor[][] Found, double Ms) Timed(IVectorSubset set, float[] queryRows, int queries, int dimension, int k)
    {
        set.Search(queryRows.AsSpan(0, dimension), k); // warm-up
        var clock = Stopwatch.StartNew();
        var found = new Neighbor[queries][];
        for (var q = 0; q < queries; q++) found[q] = set.Search(queryRows.AsSpan(q * dimension, dimension), k);
        return (found, clock.Elapsed.TotalMilliseconds / queries);
    }

    private static double BatchedMs(IVectorSubset set, float[] queryRows, int queries, int dimension, int k, int batch)
    {
        var batches = queries / batch;
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches; b++) set.SearchBatch(queryRows.AsSpan(b * batch * dimension, batch * dimension), k);
        return clock.Elapsed.TotalMilliseconds / (batches * batch);
    }

}
