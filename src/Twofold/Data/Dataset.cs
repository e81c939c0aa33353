using System.Text.Json;
using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// A dataset directory: <c>dataset.json</c>, the user, creator and item tables, and the event log under
/// <c>events/</c>. Created whole by <see cref="DatasetWriter"/>; opened read-only here.
/// </summary>
public sealed class Dataset
{
    public const string EventsDirectory = "events";

    private Dataset(string directory, DatasetManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }
    public DatasetManifest Manifest { get; }

    public static Dataset Open(string directory)
    {
        var path = Path.Combine(directory, DatasetManifest.FileName);
        if (!File.Exists(path)) throw new DataFormatException(directory, $"not a dataset: {DatasetManifest.FileName} is missing");
        DatasetManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), JsonDefaults.Indented);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"the dataset manifest is not valid JSON: {e.Message}", inner: e);
        }
        if (manifest is null || manifest.Format != DatasetManifest.FormatName)
            throw new DataFormatException(path, $"the manifest does not describe a {DatasetManifest.FormatName}");
        if (manifest.SchemaVersion != DatasetManifest.CurrentSchemaVersion)
            throw new DataFormatException(path, $"dataset schema version {manifest.SchemaVersion} is not supported (this build reads {DatasetManifest.CurrentSchemaVersion})");
        return new Dataset(directory, manifest);
    }

    public IReadOnlyList<User> ReadUsers() => EntityTables.ReadUsers(Path.Combine(Directory, EntityTables.UsersFile));
    public IReadOnlyList<Creator> ReadCreators() => EntityTables.ReadCreators(Path.Combine(Directory, EntityTables.CreatorsFile));
    public IReadOnlyList<Item> ReadItems() => EntityTables.ReadItems(Path.Combine(Directory, EntityTables.ItemsFile));
    public EventLog Events => EventLog.Open(Path.Combine(Directory, EventsDirectory));
}
