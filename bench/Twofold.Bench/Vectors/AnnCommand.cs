using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Twofold.Bench.Vectors;

/// <summary>
/// <c>ann --n 200000 --dim 64</c>: the whole side-by-side benchmark in one command. Generates the data set once
/// (reused while its size matches), runs the peers (bench/vectors/peers.py under Debian's /usr/bin/python3) and
/// then our side on the same bytes, and prints one table with both. bench/vectors/run.sh installs the peers'
/// Debian packages first and then calls this.
/// </summary>
internal static class AnnCommand
{
    private const string PeerPython = "/usr/bin/python3";
    private const string PeerPackages = "python3-faiss python3-hnswlib python3-numpy libopenblas0-pthread";

    public static int Run(string[] args)
    {
        var o = VectorsBench.ParseOptions(args);
        var unknown = o.Keys.Except(["n", "dim", "queries", "normalised", "data", "seed", "only"]).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"ann: unknown option --{unknown[0]} (options: --n, --dim, --queries, --normalised, --data, --seed, --only)");
            return 2;
        }
        string root = RepositoryRoot();
        int n, dim, queries;
        try
        {
            (n, dim, queries) = (VectorsBench.Int(o, "n", 200_000), VectorsBench.Int(o, "dim", 64), VectorsBench.Int(o, "queries", 1024));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"ann: {e.Message}");
            return 2;
        }
        if (n < 50_000)
        {
            // The 1% filter must admit at least k = 200 points for the ground truth to be a full top-200.
            Console.Error.WriteLine($"ann: --n must be at least 50000 (the 1% filter has to admit at least 200 points), got {n}.");
            return 2;
        }
        bool normalised = o.ContainsKey("normalised");
        string dir = o.GetValueOrDefault("data")
            ?? Path.Combine(root, "bench", "vectors", $"data{(normalised ? "-normalised" : "")}{(n != 200_000 || dim != 64 ? $"-{n}x{dim}" : "")}");
        if (!DataMatches(dir, n, dim, queries, normalised))
        {
            var generate = new Dictionary<string, string> { ["out"] = dir, ["n"] = $"{n}", ["d"] = $"{dim}", ["queries"] = $"{queries}", ["seed"] = o.GetValueOrDefault("seed", "1") };
            if (normalised) generate["normalised"] = "true";
            VectorsBench.Generate(generate);
        }
        // Our sections exact, compacted, graph, switch; the peers' sections exact (numpy, faiss flat) and graph.
        var sections = o.GetValueOrDefault("only", "exact,compacted,graph,switch").Split(',');
        var invalid = sections.Except(["exact", "compacted", "graph", "switch"]).ToList();
        if (invalid.Count > 0)
        {
            Console.Error.WriteLine($"ann: unknown section '{invalid[0]}' in --only (sections: exact, compacted, graph, switch)");
            return 2;
        }
        var peerSections = sections.Select(s => s is "exact" or "compacted" ? "exact" : s == "graph" ? "graph" : null).OfType<string>().Distinct().ToList();
        string peers = Path.Combine(dir, "peers.json");
        if (peerSections.Count > 0)
        {
            int code = RunPeers(root, dir, peers, string.Join(',', peerSections));
            if (code != 0) return code;
        }
        else File.Delete(peers);
        VectorsBench.Measure(new Dictionary<string, string> { ["data"] = dir, ["peers"] = peers, ["out"] = Path.Combine(dir, "ours.json"), ["only"] = string.Join(',', sections) });
        return 0;
    }

    /// <summary>Existing data is reused only when its meta.json says it has the requested shape.</summary>
    private static bool DataMatches(string dir, int n, int dim, int queries, bool normalised)
    {
        string meta = Path.Combine(dir, "meta.json");
        if (!File.Exists(meta) || !File.Exists(Path.Combine(dir, "gt_0.01.npy"))) return false;
        using var json = JsonDocument.Parse(File.ReadAllText(meta));
        var m = json.RootElement;
        return m.GetProperty("n").GetInt32() == n && m.GetProperty("d").GetInt32() == dim
            && m.GetProperty("queries").GetInt32() == queries && m.GetProperty("normalised").GetBoolean() == normalised;
    }

    private static int RunPeers(string root, string dir, string output, string sections)
    {
        string script = Path.Combine(root, "bench", "vectors", "peers.py");
        if (!File.Exists(PeerPython))
        {
            Console.Error.WriteLine($"ann: {PeerPython} not found; the peers run under Debian's python3 with {PeerPackages} (bench/vectors/run.sh installs them).");
            return 2;
        }
        var start = new ProcessStartInfo(PeerPython) { UseShellExecute = false };
        foreach (var a in new[] { script, "--data", dir, "--out", output, "--only", sections }) start.ArgumentList.Add(a);
        // One thread on each side: BLAS and OpenMP pools would otherwise take both cores.
        foreach (var v in new[] { "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS" }) start.Environment[v] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {PeerPython}");
        process.WaitForExit();
        if (process.ExitCode != 0)
            Console.Error.WriteLine($"ann: the peer run ({PeerPython} {script}) failed with exit code {process.ExitCode}; if a module is missing, install {PeerPackages} (bench/vectors/run.sh does).");
        return process.ExitCode;
    }

    /// <summary>The directory holding bench/vectors/peers.py, searched upwards from the current directory.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "bench", "vectors", "peers.py"))) return dir.FullName;
        throw new InvalidOperationException("ann: run from inside the Twofold repository (bench/vectors/peers.py not found above the current directory).");
    }
}
