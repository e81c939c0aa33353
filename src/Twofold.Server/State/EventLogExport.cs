using System.Globalization;
using Twofold.Data;

namespace Twofold.Server.State;

/// <summary>
/// The service's events in the Parquet event log format (docs/data.md), exported from the journal at each daily
/// refresh: <c>&lt;data&gt;/events/through-&lt;seq&gt;/</c> is an event log holding the journal's events up to sequence
/// number seq after the previous export. Each export is written to a staging directory and renamed into place, and
/// how far the export has got is read from the directory names, so an export interrupted by a crash is redone whole
/// and none is written twice.
/// </summary>
public sealed class EventLogExport
{
    private const string Prefix = "through-";

    public EventLogExport(string directory)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The journal's sequence number up to which events are in the Parquet log.</summary>
    public long ExportedThrough => Exports().Select(e => e.Through).DefaultIfEmpty(0).Max();

    /// <summary>The exported logs, oldest first.</summary>
    public IReadOnlyList<(long Through, string Path)> Exports()
    {
        var exports = new List<(long, string)>();
        foreach (var path in System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*"))
            if (long.TryParse(System.IO.Path.GetFileName(path)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var through))
                exports.Add((through, path));
        return exports.OrderBy(e => e.Item1).ToList();
    }

    /// <summary>Writes the events of <paramref name="batch"/> as the export ending at sequence number <paramref name="through"/>.</summary>
    public void Write(InteractionBatch batch, long through)
    {
        if (through <= ExportedThrough || batch.Count == 0) return;
        var target = System.IO.Path.Combine(Directory, Prefix + through.ToString("D12", CultureInfo.InvariantCulture));
        var staging = System.IO.Path.Combine(Directory, $".{Prefix}{through}.partial-{Guid.NewGuid():N}");
        try
        {
            using (var writer = EventLogWriter.Open(staging))
            {
                writer.Append(batch);
                writer.Complete();
            }
            System.IO.Directory.Move(staging, target);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Every exported event, export by export.</summary>
    public IEnumerable<InteractionBatch> ReadAll() => Exports().SelectMany(e => EventLog.Open(e.Path).ReadBatches());
}
