using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.Json;
using Twofold.Vectors;

namespace Twofold.Bench.Vectors;

/// <summary>
/// Side-by-side benchmark of Twofold.Vectors against faiss, hnswlib and numpy (bench/vectors/run.sh drives it).
/// <c>generate</c> writes the shared data set, filters and exact ground truth as .npy; <c>run</c> measures our
/// exact scans, compacted set and graph index one thread at a time and prints a table next to the peers' figures.
/// </summary>
internal static class VectorsBench
{
    private const int K = 200;
    private static readonly double[] MainFractions = [1.0, 0.5, 0.1, 0.01];
    private static readonly double[] SweepFractions = [1.0, 0.5, 0.3, 0.2, 0.15, 0.1, 0.05, 0.02, 0.01];

    public static int Run(string[] args)
    {
        try
        {
            return Dispatch(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"vectors: {e.Message}");
            return 2;
        }
    }

    private static int Dispatch(string[] args)
    {
        var options = ParseOptions(args.Skip(1));
        switch (args.FirstOrDefault())
        {
            case "generate": Generate(options); return 0;
            case "run": Measure(options); return 0;
            case "probe": Probe(options); return 0;
            case "kernels":
                BenchmarkDotNet.Running.BenchmarkRunner.Run([typeof(DotBenchmarks), typeof(ScanBenchmarks)]);
                return 0;
            default:
                Console.Error.WriteLine("usage: ann [--n 200000] [--dim 64] [--queries 1024] [--normalised] [--data DIR] [--only exact,compacted,graph,switch]   (everything, peers included)");
                Console.Error.WriteLine("       vectors generate --out DIR [--n 200000] [--d 64] [--queries 1024] [--seed 1] [--normalised]");
                Console.Error.WriteLine("       vectors run --data DIR [--peers FILE] [--out FILE] [--only exact,compacted,graph,switch]");
                Console.Error.WriteLine("       vectors probe --data DIR [--n 50000] [--variants Metric:keepPruned:M:cosineLinks:efC,...]");
                Console.Error.WriteLine("       vectors kernels   (BenchmarkDotNet: hand-written kernels vs System.Numerics.Tensors)");
                return 2;
        }
    }

    internal static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
    {
        var result = new Dictionary<string, string>();
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null) result[key] = "true";
                key = a[2..];
            }
            else if (key is not null)
            {
                result[key] = a;
                key = null;
            }
        }
        if (key is not null) result[key] = "true";
        return result;
    }

    /// <summary>A positive integer option, or <paramref name="fallback"/> when absent; anything else is an error naming the option.</summary>
    internal static int Int(Dictionary<string, string> o, string key, int fallback)
    {
        if (!o.TryGetValue(key, out var text)) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0) return value;
        throw new ArgumentException($"--{key} must be a positive integer, got '{text}'.");
    }

    private static string FractionName(double f) => f.ToString("0.###", CultureInfo.InvariantCulture);

    internal static void Generate(Dictionary<string, string> o)
    {
        string dir = o.GetValueOrDefault("out", "bench/vectors/data");
        int n = Int(o, "n", 200_000), d = Int(o, "d", 64), nq = Int(o, "queries", 1024), seed = Int(o, "seed", 1);
        bool normalised = o.ContainsKey("normalised");
        Directory.CreateDirectory(dir);
        var sw = Stopwatch.StartNew();
        var rows = SyntheticEmbeddings.Clustered(n, d, seed, clusters: 256, normalised: normalised);
        var queries = SyntheticEmbeddings.Clustered(nq, d, seed + 1000, clusters: 256, normalised: normalised);
        // Queries come from the same generator but a different seed: the cluster centres differ, so shift queries
        // to this data's centres by drawing them as perturbed data rows instead.
        var random = new Random(seed + 2000);
        for (int j = 0; j < nq; j++)
        {
            int i = random.Next(n);
            for (int t = 0; t < d; t++) queries[j * d + t] = rows[i * d + t] + 0.3f * (queries[j * d + t]);
        }
        Npy.Write<float>(Path.Combine(dir, "base.npy"), rows, n, d);
        Npy.Write<float>(Path.Combine(dir, "queries.npy"), queries, nq, d);
        var flat = new FlatIndex(rows, d);
        foreach (double f in MainFractions)
        {
            var filter = MakeFilter(n, f, seed);
            var ids = Enumerable.Range(0, n).Where(filter.Contains).ToArray();
            Npy.Write<int>(Path.Combine(dir, $"filter_{FractionName(f)}.npy"), ids, ids.Length, 1);
            var gt = flat.SearchBatch(queries, K, f < 1 ? filter : null);
            var flatGt = new int[nq * K];
            for (int j = 0; j < nq; j++) for (int r = 0; r < K; r++) flatGt[j * K + r] = gt[j][r].Id;
            Npy.Write<int>(Path.Combine(dir, $"gt_{FractionName(f)}.npy"), flatGt, nq, K);
        }
        File.WriteAllText(Path.Combine(dir, "meta.json"), JsonSerializer.Serialize(new { n, d, queries = nq, seed, normalised, k = K, clusters = 256 }));
        Console.WriteLine($"generated {n} x {d} ({(normalised ? "normalised" : "log-normal norms")}), {nq} queries, filters and ground truth in {dir} ({sw.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>Admits each id independently with probability <paramref name="fraction"/> (seeded).</summary>
    private static IdFilter MakeFilter(int n, double fraction, int seed)
    {
        var filter = new IdFilter(n);
        var random = new Random(seed * 31 + (int)(fraction * 10000));
        for (int i = 0; i < n; i++) if (fraction >= 1 || random.NextDouble() < fraction) filter.Set(i);
        return filter;
    }

    internal sealed record Row(string Side, string Method, string Scenario, double Fraction, string Setting, double Qps, double Recall, int Queries, double? BuildSeconds = null, double? BytesPerVector = null);

    internal static void Measure(Dictionary<string, string> o)
    {
        string dir = o.GetValueOrDefault("data", "bench/vectors/data");
        var (rows, n, d) = Npy.Read<float>(Path.Combine(dir, "base.npy"));
        var (queries, nq, _) = Npy.Read<float>(Path.Combine(dir, "queries.npy"));
        Console.WriteLine($"# Twofold.Vectors: N = {n}, d = {d}, {nq} queries, k = {K}, one thread");
        Console.WriteLine($"# Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Vector256: {Vector256.IsHardwareAccelerated}, {Environment.ProcessorCount} cores, load: {LoadAverage.Read()}");
        var results = new List<Row>();
        var filters = new Dictionary<double, IdFilter>();
        var truth = new Dictionary<double, int[]>();
        foreach (double f in MainFractions)
        {
            var ids = Npy.Read<int>(Path.Combine(dir, $"filter_{FractionName(f)}.npy")).Data;
            var filter = new IdFilter(n);
            foreach (int id in ids) filter.Set(id);
            filters[f] = filter;
            truth[f] = Npy.Read<int>(Path.Combine(dir, $"gt_{FractionName(f)}.npy")).Data;
        }

        float[] Query(int j) => queries.AsSpan(j * d, d).ToArray();
        double RecallOf(double f, int j, Neighbor[] result)
        {
            var gt = truth[f].AsSpan(j * K, K);
            var set = new HashSet<int>(result.Select(r => r.Id));
            int hit = 0;
            foreach (int id in gt) if (set.Contains(id)) hit++;
            return hit / (double)K;
        }
        Row Time(string method, string scenario, double f, string setting, int count, Func<int, Neighbor[]> search)
        {
            for (int j = 0; j < Math.Min(10, count); j++) search(j);
            double recall = 0;
            var results = new Neighbor[count][];
            var sw = Stopwatch.StartNew();
            for (int j = 0; j < count; j++) results[j] = search(j);
            double seconds = sw.Elapsed.TotalSeconds;
            for (int j = 0; j < count; j++) recall += RecallOf(f, j, results[j]);
            var row = new Row("ours", method, scenario, f, setting, count / seconds, recall / count, count);
            Console.WriteLine($"  {method,-28} {scenario,-22} {FractionName(f),6} {setting,-12} {row.Qps,10:F0} qps  recall {row.Recall:F4}");
            return row;
        }
        Row TimeBatch(string method, string scenario, double f, int batch, Func<float[], Neighbor[][]> search)
        {
            int count = nq / batch * batch;
            search(queries.AsSpan(0, batch * d).ToArray());
            var results = new Neighbor[count][];
            var batches = Enumerable.Range(0, count / batch).Select(b => queries.AsSpan(b * batch * d, batch * d).ToArray()).ToArray();
            var sw = Stopwatch.StartNew();
            for (int b = 0; b < batches.Length; b++) search(batches[b]).CopyTo(results, b * batch);
            double seconds = sw.Elapsed.TotalSeconds;
            double recall = 0;
            for (int j = 0; j < count; j++) recall += RecallOf(f, j, results[j]);
            var row = new Row("ours", method, scenario, f, $"batch {batch}", count / seconds, recall / count, count);
            Console.WriteLine($"  {method,-28} {scenario,-22} {FractionName(f),6} {row.Setting,-12} {row.Qps,10:F0} qps  recall {row.Recall:F4}");
            return row;
        }

        var only = o.TryGetValue("only", out var list) ? list.Split(',') : ["exact", "compacted", "graph", "switch"];
        int single = Math.Min(nq, 400);
        var flat = new FlatIndex(rows, d);
        if (only.Contains("exact"))
        {
        Console.WriteLine("## exact scans");
        Console.WriteLine($"  flat index (panel layout): {flat.MemoryBytes / (double)n:F0} bytes/vector");
        results.Add(Time("twofold FlatIndex", "exact", 1.0, "single", single, j => flat.Search(Query(j), K)) with { BytesPerVector = flat.MemoryBytes / (double)n });
        results.Add(TimeBatch("twofold FlatIndex", "exact", 1.0, 32, b => flat.SearchBatch(b, K)));
        results.Add(TimeBatch("twofold FlatIndex", "exact", 1.0, 128, b => flat.SearchBatch(b, K)));
        foreach (double f in MainFractions.Skip(1))
        {
            var filter = filters[f];
            results.Add(Time("twofold FlatIndex+filter", "exact filtered", f, "single", single, j => flat.Search(Query(j), K, filter)));
            results.Add(TimeBatch("twofold FlatIndex+filter", "exact filtered", f, 128, b => flat.SearchBatch(b, K, filter)));
        }

        }
        if (only.Contains("compacted"))
        {
        Console.WriteLine("## compacted available set");
        foreach (double f in MainFractions)
        {
            var sw = Stopwatch.StartNew();
            var set = CompactVectorSet.FromMatrix(rows, d, filters[f]);
            double build = sw.Elapsed.TotalSeconds;
            results.Add(Time("twofold CompactVectorSet", "compacted", f, "single", nq, j => set.Search(Query(j), K)) with { BuildSeconds = build });
            results.Add(TimeBatch("twofold CompactVectorSet", "compacted", f, 32, b => set.SearchBatch(b, K)));
            results.Add(TimeBatch("twofold CompactVectorSet", "compacted", f, 128, b => set.SearchBatch(b, K)));
        }
        {
            // Draining cost: swap-remove 90% of the set, one id at a time.
            var set = CompactVectorSet.FromMatrix(rows, d);
            var order = Enumerable.Range(0, n).ToArray();
            new Random(5).Shuffle(order);
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < n * 9 / 10; i++) set.Remove(order[i]);
            Console.WriteLine($"  swap-remove: {n * 9 / 10 / sw.Elapsed.TotalSeconds:F0} removes/s");
        }

        }
        if (!only.Contains("graph") && !only.Contains("switch")) { Finish(o, dir, results); return; }
        Console.WriteLine("## graph index");
        var options = new HnswOptions { M = Int(o, "m", 16), EfConstruction = Int(o, "ef-construction", 100) };
        var buildWatch = Stopwatch.StartNew();
        var hnsw = HnswIndex.Build(rows, d, options);
        double buildSeconds = buildWatch.Elapsed.TotalSeconds;
        double bytes = hnsw.MemoryBytes / (double)n;
        Console.WriteLine($"  build: {buildSeconds:F1} s, {n / buildSeconds:F0} inserts/s, {bytes:F0} bytes/vector (M = {options.M}, efConstruction = {options.EfConstruction}), load: {LoadAverage.Read()}");
        var calibration = hnsw.Calibration!;
        Console.WriteLine($"  calibration at build ({calibration.Queries} points as queries, k = {calibration.K}, ef = {calibration.Ef}): recall "
            + string.Join(", ", calibration.Points.Select(p => $"{FractionName(p.Fraction)} admitted {p.Recall:F4}")) + $"; Auto unfiltered: {hnsw.ChooseStrategy(null)}");
        if (only.Contains("graph"))
        {
        foreach (int ef in new[] { 200, 300, 400, 600, 800 })
        {
            var row = Time("twofold HnswIndex", "graph", 1.0, $"ef {ef}", nq, j => hnsw.Search(Query(j), K, null, SearchStrategy.Graph, ef));
            results.Add(row with { BuildSeconds = buildSeconds, BytesPerVector = bytes });
        }
        results.Add(Time("twofold HnswIndex auto", "graph", 1.0, $"{hnsw.ChooseStrategy(null)}", hnsw.ChooseStrategy(null) == SearchStrategy.Graph ? nq : single, j => hnsw.Search(Query(j), K)));
        foreach (double f in MainFractions.Skip(1))
        {
            var filter = filters[f];
            results.Add(Time("twofold HnswIndex auto", "graph filtered", f, $"{hnsw.ChooseStrategy(filter)}", nq, j => hnsw.Search(Query(j), K, filter)));
            results.Add(Time("twofold HnswIndex graph", "graph filtered", f, "ef 400", f >= 0.1 ? nq : 200, j => hnsw.Search(Query(j), K, filter, SearchStrategy.Graph)));
            results.Add(Time("twofold HnswIndex exact", "graph filtered", f, "exact scan", f >= 0.1 ? single : nq, j => hnsw.Search(Query(j), K, filter, SearchStrategy.Exact)));
        }

        }
        if (only.Contains("switch"))
        {
        Console.WriteLine("## switch point: graph search vs exact scan of the admitted ids, by admitted fraction");
        Console.WriteLine("| admitted | graph ef 400 qps | graph recall | admitted-id scan qps | compacted scan qps |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        var flatForTruth = flat;
        foreach (double f in SweepFractions)
        {
            var filter = filters.TryGetValue(f, out var known) ? known : MakeFilter(n, f, 77);
            int count = 200;
            var gt = flatForTruth.SearchBatch(queries.AsSpan(0, count * d), K, f < 1 ? filter : null);
            double Recall(Neighbor[] r, int j) => r.Select(x => x.Id).Intersect(gt[j].Select(x => x.Id)).Count() / (double)gt[j].Length;
            var set = CompactVectorSet.FromMatrix(rows, d, filter);
            (double Qps, double Recall) Go(Func<int, Neighbor[]> search)
            {
                for (int j = 0; j < 5; j++) search(j);
                var res = new Neighbor[count][];
                var sw = Stopwatch.StartNew();
                for (int j = 0; j < count; j++) res[j] = search(j);
                double qps = count / sw.Elapsed.TotalSeconds;
                return (qps, Enumerable.Range(0, count).Average(j => Recall(res[j], j)));
            }
            var g = Go(j => hnsw.Search(Query(j), K, f < 1 ? filter : null, SearchStrategy.Graph, 400));
            var e = Go(j => hnsw.Search(Query(j), K, f < 1 ? filter : null, SearchStrategy.Exact));
            var c = Go(j => set.Search(Query(j), K));
            Console.WriteLine($"| {FractionName(f)} | {g.Qps:F0} | {g.Recall:F4} | {e.Qps:F0} | {c.Qps:F0} |");
            results.Add(new Row("ours", "twofold switch graph", "switch", f, "ef 400", g.Qps, g.Recall, count));
            results.Add(new Row("ours", "twofold switch admitted scan", "switch", f, "exact", e.Qps, e.Recall, count));
            results.Add(new Row("ours", "twofold switch compacted", "switch", f, "exact", c.Qps, c.Recall, count));
        }

        }
        Finish(o, dir, results);
    }

    /// <summary>Link metric and pruning variants of the graph on a prefix of the data: recall and QPS by ef.</summary>
    private static void Probe(Dictionary<string, string> o)
    {
        string dir = o.GetValueOrDefault("data", "bench/vectors/data");
        var (all, total, d) = Npy.Read<float>(Path.Combine(dir, "base.npy"));
        var (queries, nq, _) = Npy.Read<float>(Path.Combine(dir, "queries.npy"));
        int n = Math.Min(total, Int(o, "n", 50_000));
        int count = Math.Min(nq, Int(o, "queries", 200));
        var rows = all.AsSpan(0, n * d).ToArray();
        var gt = new FlatIndex(rows, d).SearchBatch(queries.AsSpan(0, count * d), K);
        Console.WriteLine($"# probe: N = {n}, d = {d}, {count} queries, load {LoadAverage.Read()}");
        Console.WriteLine("| link metric | keep pruned | M | cosine links | efC | build s | ef | QPS | recall@200 |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        var variants = o.GetValueOrDefault("variants", "InnerProduct:true,InnerProduct:false,Cosine:true,Cosine:false,MipsTransform:true").Split(',');
        foreach (var v in variants)
        {
            var parts = v.Split(':');
            var options = new HnswOptions { LinkMetric = Enum.Parse<LinkMetric>(parts[0]), KeepPrunedConnections = bool.Parse(parts[1]), M = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 16,
                CosineLinks = parts.Length > 3 ? int.Parse(parts[3], CultureInfo.InvariantCulture) : 0, EfConstruction = parts.Length > 4 ? int.Parse(parts[4], CultureInfo.InvariantCulture) : 100 };
            var sw = Stopwatch.StartNew();
            var index = HnswIndex.Build(rows, d, options);
            double build = sw.Elapsed.TotalSeconds;
            foreach (int ef in new[] { 200, 400, 800 })
            {
                var res = new Neighbor[count][];
                sw.Restart();
                for (int j = 0; j < count; j++) res[j] = index.Search(queries.AsSpan(j * d, d), K, null, SearchStrategy.Graph, ef);
                double qps = count / sw.Elapsed.TotalSeconds;
                double recall = Enumerable.Range(0, count).Average(j => res[j].Select(x => x.Id).Intersect(gt[j].Select(x => x.Id)).Count() / (double)K);
                if (o.ContainsKey("misses"))
                {
                    var norms = Enumerable.Range(0, n).Select(i => Math.Sqrt(TensorPrimitivesNorm2(rows.AsSpan(i * d, d)))).ToArray();
                    var sortedNorms = norms.Order().ToArray();
                    double Percentile(int id) => Array.BinarySearch(sortedNorms, norms[id]) / (double)n;
                    var missed = new List<double>();
                    var found = new List<double>();
                    for (int j = 0; j < count; j++)
                    {
                        var got = res[j].Select(x => x.Id).ToHashSet();
                        foreach (var g in gt[j]) (got.Contains(g.Id) ? found : missed).Add(Percentile(g.Id));
                    }
                    Console.WriteLine($"  ef {ef}: norm percentile of missed ids: mean {missed.DefaultIfEmpty().Average():F3}, of found ids: {found.Average():F3}; missed in top 5% norms: {missed.Count(p => p >= 0.95) / (double)Math.Max(1, missed.Count):F3}, found in top 5%: {found.Count(p => p >= 0.95) / (double)found.Count:F3}");
                }
                Console.WriteLine($"| {options.LinkMetric} | {options.KeepPrunedConnections} | {options.M} | {options.CosineLinks} | {options.EfConstruction} | {build:F1} | {ef} | {qps:F0} | {recall:F4} |");
            }
        }
    }

    private static float TensorPrimitivesNorm2(ReadOnlySpan<float> v) => System.Numerics.Tensors.TensorPrimitives.Dot(v, v);

    private static void Finish(Dictionary<string, string> o, string dir, List<Row> results)
    {
        string outPath = o.GetValueOrDefault("out", Path.Combine(dir, "ours.json"));
        File.WriteAllText(outPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        if (o.TryGetValue("peers", out var peersPath) && File.Exists(peersPath))
        {
            var peers = JsonSerializer.Deserialize<List<Row>>(File.ReadAllText(peersPath), new JsonSerializerOptions { PropertyNameCaseInsensitive = true }) ?? [];
            PrintComparison(results, peers);
        }
        Console.WriteLine($"# done; load: {LoadAverage.Read()}");
    }

    private static void PrintComparison(List<Row> ours, List<Row> peers)
    {
        Console.WriteLine();
        Console.WriteLine("## side by side (same data, same run, one thread each)");
        Console.WriteLine("| scenario | admitted | method | setting | QPS | recall@200 | build s | bytes/vector |");
        Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|");
        var all = ours.Where(r => r.Scenario != "switch").Concat(peers)
            .OrderBy(r => ScenarioOrder(r.Scenario)).ThenByDescending(r => r.Fraction).ThenBy(r => r.Side == "ours" ? 0 : 1).ThenBy(r => r.Method).ThenBy(r => r.Setting, StringComparer.Ordinal);
        foreach (var r in all)
        {
            Console.WriteLine($"| {r.Scenario} | {FractionName(r.Fraction)} | {r.Method} | {r.Setting} | {r.Qps:F0} | {r.Recall:F4} | {(r.BuildSeconds is { } b ? b.ToString("F1", CultureInfo.InvariantCulture) : "")} | {(r.BytesPerVector is { } m ? m.ToString("F0", CultureInfo.InvariantCulture) : "")} |");
        }
        Console.WriteLine();
        Console.WriteLine("## ratios: our best vs the best peer at recall ≥ 0.99 (exact methods have recall 1)");
        Console.WriteLine("| scenario | admitted | setting | ours | QPS | best peer | QPS | ratio |");
        Console.WriteLine("|---|---:|---|---|---:|---|---:|---:|");
        foreach (var group in ours.Where(r => r.Scenario != "switch").GroupBy(r => (r.Scenario, r.Fraction, Setting: r.Setting.StartsWith("batch", StringComparison.Ordinal) ? r.Setting : "single")))
        {
            var best = group.Where(r => r.Recall >= 0.99).OrderByDescending(r => r.Qps).FirstOrDefault();
            var peer = peers.Where(p => SameScenario(p, group.Key.Scenario) && Math.Abs(p.Fraction - group.Key.Fraction) < 1e-9 && p.Recall >= 0.99
                    && (p.Setting.StartsWith("batch", StringComparison.Ordinal) ? p.Setting : "single") == group.Key.Setting)
                .OrderByDescending(p => p.Qps).FirstOrDefault();
            if (best is null || peer is null) continue;
            Console.WriteLine($"| {group.Key.Scenario} | {FractionName(group.Key.Fraction)} | {group.Key.Setting} | {best.Method} {best.Setting} | {best.Qps:F0} | {peer.Method} {peer.Setting} | {peer.Qps:F0} | {best.Qps / peer.Qps:F2} |");
        }
    }

    private static bool SameScenario(Row peer, string scenario) => scenario switch
    {
        "graph filtered" => peer.Scenario is "graph filtered",
        _ => peer.Scenario == scenario,
    };

    private static int ScenarioOrder(string s) => s switch
    {
        "exact" => 0, "exact filtered" => 1, "compacted" => 2, "graph" => 3, "graph filtered" => 4, _ => 5,
    };
}
