using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using Twofold.Models;

namespace Twofold.Tests.Models;

public class HugePageTablesTests
{
    [Fact]
    public void Kept_inference_layers_move_large_tables_to_huge_pages_without_changing_them()
    {
        // 200,000 × 16 floats: 12.8 MB, six whole 2 MB pages at least.
        var config = new MultiTaskNetworkConfig([new CategoricalField("user", 200_000, 16), new CategoricalField("b", 7, 3)], DenseWidth: 1, BagField: null, Tasks: 2);
        using var network = new MultiTaskNetwork(config, seed: 3);
        network.eval();
        var table = network.parameters().First(p => p.shape.SequenceEqual(new long[] { 200_000, 16 }));
        var before = MemoryMarshal.Cast<byte, float>(table.bytes).ToArray();
        var input = new MultiTaskInput(3, new long[] { 5, 1, 150_000, 2, 199_999, 6 }, new float[] { 0.1f, -0.2f, 0.3f }, default, default);
        var probabilities = new float[3 * 2];

        using (torch.no_grad()) network.Probabilities(input, probabilities);

        Assert.Equal(before, MemoryMarshal.Cast<byte, float>(table.bytes).ToArray());
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        // Where the system offers huge pages on request (Linux with transparent huge pages not "never"), the table's
        // mapping holds some now; elsewhere the request is a no-op and only the unchanged contents are checked.
        if (!HugePagesOnRequest()) return;
        long start;
        unsafe
        {
            fixed (byte* first = table.bytes) start = (long)first;
        }
        // The request covers the whole 2 MB pages inside the table (the mapping is split there).
        const long hugePage = 2 * 1024 * 1024;
        Assert.True(AnonHugePagesKbAt((start + hugePage - 1) & ~(hugePage - 1)) > 0, "the embedding table is not backed by huge pages");
    }

    private static bool HugePagesOnRequest()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        return OperatingSystem.IsLinux() && File.Exists(setting) && !File.ReadAllText(setting).Contains("[never]", StringComparison.Ordinal)
            && Environment.OSVersion.Version >= new Version(6, 1);
    }

    /// <summary>The AnonHugePages of the mapping in /proc/self/smaps that contains <paramref name="address"/>.</summary>
    private static long AnonHugePagesKbAt(long address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            if (dash > 0 && line.IndexOf(' ') > dash && long.TryParse(line[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var from))
            {
                var to = long.Parse(line[(dash + 1)..line.IndexOf(' ')], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                inside = address >= from && address < to;
            }
            else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
