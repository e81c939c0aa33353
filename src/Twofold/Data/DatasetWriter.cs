using System.Text.Json;
using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// Builds a dataset directory all or nothing: everything is written into a hidden staging directory beside the
/// target, and <see cref="Commit"/> renames it into place. Disposing without committing deletes the staging
/// directory, so a failed import leaves nothing behind.
/// </summary>
public sealed class DatasetWriter : IDisposable
{
    private readonly string _target;
    private readonly string _staging;
    private readonly bool _overwrite;
    private bool _done;

    private DatasetWriter(string target, string staging, bool overwrite, EventLogWriter events)
    {
        _target = target;
        _staging = staging;
        _overwrite = overwrite;
        Events = events;
    }

    /// <summary>Appends the dataset's interactions; completed by <see cref="Commit"/>.</summary>
    public EventLogWriter Events { get; }

    /// <summary>The directory files beside the standard tables may be written to (e.g. a world's ground truth).</summary>
    public string StagingDirectory => _staging;

    public static DatasetWriter Create(string directory, IReadOnlyList<string>? extraColumns = null, bool overwrite = false)
    {
        var target = Path.GetFullPath(directory);
        if (!overwrite && (System.IO.Directory.Exists(target) || File.Exists(target)))
            throw new IOException($"{target} already exists; choose another output or allow overwriting.");
        var parent = Path.GetDirectoryName(target)!;
        System.IO.Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            var events = EventLogWriter.Open(Path.Combine(staging, Dataset.EventsDirectory), extraColumns);
            return new DatasetWriter(target, staging, overwrite, events);
        }
        catch
        {
            System.IO.Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Writes the tables and manifest, completes the event log and moves the dataset into place.</summary>
    public Dataset Commit(string source, IReadOnlyList<User> users, IReadOnlyList<Creator> creators, IReadOnlyList<Item> items,
        IReadOnlyDictionary<string, string>? notes = null)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        Events.Complete();
        EntityTables.WriteUsers(Path.Combine(_staging, EntityTables.UsersFile), users);
        EntityTables.WriteCreators(Path.Combine(_staging, EntityTables.CreatorsFile), creators);
        EntityTables.WriteItems(Path.Combine(_staging, EntityTables.ItemsFile), items);
        var manifest = new DatasetManifest(DatasetManifest.FormatName, DatasetManifest.CurrentSchemaVersion, source,
            users.Count, items.Count, creators.Count, Events.RowsWritten, notes ?? new Dictionary<string, string>());
        AtomicFile.WriteAllText(Path.Combine(_staging, DatasetManifest.FileName), JsonSerializer.Serialize(manifest, JsonDefaults.Indented));

        string? replaced = null;
        if (System.IO.Directory.Exists(_target))
        {
            if (!_overwrite) throw new IOException($"{_target} appeared while the dataset was being written; it was left as it is.");
            replaced = _target + $".replaced-{Guid.NewGuid():N}";
            System.IO.Directory.Move(_target, replaced);
        }
        System.IO.Directory.Move(_staging, _target);
        _done = true;
        if (replaced is not null) System.IO.Directory.Delete(replaced, recursive: true);
        return Dataset.Open(_target);
    }

    public void Dispose()
    {
        if (_done) return;
        _done = true;
        Events.Dispose();
        if (System.IO.Directory.Exists(_staging)) System.IO.Directory.Delete(_staging, recursive: true);
    }
}
