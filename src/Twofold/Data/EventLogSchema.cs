using System.Text.Json;
using Parquet.Schema;
using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// The event log's on-disk schema: one Parquet file per day partition and write, core columns plus named
/// integer extra columns. <c>_log.json</c> at the log's root records the version and the extra columns, and every
/// Parquet file repeats the version in its key-value metadata, so a reader can refuse what it does not understand.
/// </summary>
public static class EventLogSchema
{
    public const int Version = 1;
    public const string ManifestFileName = "_log.json";
    public const string VersionMetadataKey = "twofold.event_log.version";

    internal static readonly DataField<int> User = new("user");
    internal static readonly DataField<int> Item = new("item");
    internal static readonly DataField<long> TimeMs = new("time_ms");
    internal static readonly DataField<int> DurationMs = new("duration_ms");
    internal static readonly DataField<int> WatchMs = new("watch_ms");
    internal static readonly DataField<bool>[] FeedbackFields = FeedbackKinds.All.Select(k => new DataField<bool>(k.Column)).ToArray();

    private static readonly HashSet<string> CoreNames =
        new[] { User.Name, Item.Name, TimeMs.Name, DurationMs.Name, WatchMs.Name }.Concat(FeedbackKinds.All.Select(k => k.Column)).ToHashSet();

    internal const int FirstFeedbackField = 5;
    internal static readonly int FirstExtraField = FirstFeedbackField + FeedbackKinds.All.Count;

    internal static ParquetSchema Build(IReadOnlyList<string> extraColumns)
    {
        var fields = new List<Field> { User, Item, TimeMs, DurationMs, WatchMs };
        fields.AddRange(FeedbackFields);
        fields.AddRange(extraColumns.Select(name => new DataField<int>(name)));
        return new ParquetSchema(fields);
    }

    /// <summary>Checks extra column names: distinct, not a core column, and plain identifiers.</summary>
    public static void ValidateExtraColumns(IReadOnlyList<string> extraColumns)
    {
        var seen = new HashSet<string>();
        foreach (var name in extraColumns)
        {
            if (string.IsNullOrEmpty(name) || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                throw new ArgumentException($"Extra column name '{name}' must be a non-empty identifier of letters, digits and '_'.");
            if (CoreNames.Contains(name)) throw new ArgumentException($"Extra column '{name}' clashes with a core column of the event log.");
            if (!seen.Add(name)) throw new ArgumentException($"Extra column '{name}' is named twice.");
        }
    }

    internal sealed record Manifest(int Version, string[] ExtraColumns);

    internal static void WriteManifest(string logDirectory, IReadOnlyList<string> extraColumns) =>
        AtomicFile.WriteAllText(Path.Combine(logDirectory, ManifestFileName),
            JsonSerializer.Serialize(new Manifest(Version, extraColumns.ToArray()), JsonDefaults.Indented));

    internal static Manifest ReadManifest(string logDirectory)
    {
        var path = Path.Combine(logDirectory, ManifestFileName);
        if (!File.Exists(path)) throw new DataFormatException(path, "not an event log: the manifest file is missing");
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), JsonDefaults.Indented);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"the event log manifest is not valid JSON: {e.Message}", inner: e);
        }
        if (manifest is null || manifest.ExtraColumns is null) throw new DataFormatException(path, "the event log manifest is empty or incomplete");
        if (manifest.Version != Version)
            throw new DataFormatException(path, $"event log schema version {manifest.Version} is not supported (this build reads version {Version})");
        return manifest;
    }
}
