using Twofold.Simulation;

namespace Twofold.Cli.Commands;

/// <summary>
/// The simulation configs shipped with the command line (the repository's <c>configs/*.json</c>, embedded): one per
/// reproduced finding of the papers (docs/dualrec.md), so <c>twofold simulate --config findings-du</c> runs it.
/// </summary>
public static class NamedConfigs
{
    private const string Prefix = "configs/";

    public static IReadOnlyList<string> Names { get; } = typeof(NamedConfigs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^".json".Length]).Order(StringComparer.Ordinal).ToList();

    /// <summary>A config file when <paramref name="value"/> is one; otherwise the named config of that name.</summary>
    public static SimulationConfig Load(string value)
    {
        if (File.Exists(value)) return SimulationConfig.Load(value);
        if (!Names.Contains(value))
            throw new FileNotFoundException(
                $"The simulation config {value} is neither a file nor a named config (named configs: {string.Join(", ", Names)}).", value);
        using var stream = typeof(NamedConfigs).Assembly.GetManifestResourceStream(Prefix + value + ".json")!;
        using var reader = new StreamReader(stream);
        return SimulationConfig.Parse(reader.ReadToEnd(), $"named config {value}");
    }
}
