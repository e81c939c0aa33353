using System.Diagnostics;
using System.Globalization;

namespace Twofold.Bench.Serving;

/// <summary>
/// The disk's own commit latency, as a peer for a run that commits to it: every 10 ms, 4 KB written to a small file
/// (in place, as a write-ahead log that has been reset) and flushed to the device (fsync), the way a durable commit is.
/// Each flush slower than a threshold is printed with its UTC time, to set beside the service's slow-batch log; at the
/// end, the percentiles. The file is removed afterwards.
/// </summary>
public static class FsyncProbe
{
    public static int Run(string[] args)
    {
        var slowMs = 20.0;
        if (args.Length is < 2 or > 3 || !double.TryParse(args[1], CultureInfo.InvariantCulture, out var seconds) || seconds <= 0
            || (args.Length == 3 && !double.TryParse(args[2], CultureInfo.InvariantCulture, out slowMs)))
        {
            Console.Error.WriteLine("usage: Twofold.Bench fsync-probe <file in the directory to probe> <seconds> [slow ms=20]");
            return 2;
        }
        var path = Path.GetFullPath(args[0]);
        if (File.Exists(path))
        {
            Console.Error.WriteLine($"fsync-probe: {path} exists; give a path to a new file (it is removed afterwards).");
            return 2;
        }
        var block = new byte[4096];
        Array.Fill(block, (byte)1);
        var latencies = new List<double>();
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            for (var k = 0; Stopwatch.GetTimestamp() < end; k++)
            {
                var started = Stopwatch.GetTimestamp();
                file.Position = k % 256 * block.Length;
                file.Write(block);
                file.Flush(flushToDisk: true);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                latencies.Add(ms);
                if (ms >= slowMs) Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} slow fsync {ms:F1} ms");
                Thread.Sleep(10);
            }
        }
        finally
        {
            File.Delete(path);
        }
        latencies.Sort();
        double At(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        Console.WriteLine($"fsync of 4 KB: {latencies.Count} in {seconds:F0} s; p50 {At(0.5):F2} ms, p99 {At(0.99):F2} ms, p99.9 {At(0.999):F2} ms, max {latencies[^1]:F1} ms");
        return 0;
    }
}
