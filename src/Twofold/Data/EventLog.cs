using System.Globalization;
using Parquet;
using Parquet.Schema;
using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// Reads an event log written by <see cref="EventLogWriter"/>: day partitions in date order, each part file's row
/// groups streamed one at a time as <see cref="InteractionBatch"/>es, so memory stays bounded by one row group.
/// </summary>
public sealed class EventLog
{
    private readonly SortedDictionary<DateOnly, string> _dayDirectories;

    private EventLog(string directory, IReadOnlyList<string> extraColumns, SortedDictionary<DateOnly, string> days)
    {
        Directory = directory;
        ExtraColumns = extraColumns;
        _dayDirectories = days;
    }

    public string Directory { get; }
    public IReadOnlyList<string> ExtraColumns { get; }
    public IReadOnlyCollection<DateOnly> Days => _dayDirectories.Keys;

    public static EventLog Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DataFormatException(directory, "the event log directory does not exist");
        var manifest = EventLogSchema.ReadManifest(directory);
        var days = new SortedDictionary<DateOnly, string>();
        foreach (var dayDirectory in System.IO.Directory.EnumerateDirectories(directory))
            if (EventLogDays.TryParsePartition(Path.GetFileName(dayDirectory), out var date))
                days.Add(date, dayDirectory);
        return new EventLog(directory, manifest.ExtraColumns, days);
    }

    /// <summary>Streams the rows of the days in [<paramref name="from"/>, <paramref name="to"/>], one row group per batch.</summary>
    /// <param name="reuse">When true, the same batch object is refilled for every row group (copy what you keep).</param>
    public IEnumerable<InteractionBatch> ReadBatches(DateOnly? from = null, DateOnly? to = null, bool reuse = false)
    {
        InteractionBatch? batch = null;
        foreach (var (date, dayDirectory) in _dayDirectories)
        {
            if (date < from || date > to) continue;
            foreach (var file in EventLogDays.PartFiles(dayDirectory))
            {
                using var stream = File.OpenRead(file);
                var reader = OpenPart(file, stream);
                try
                {
                    var fields = reader.Schema.DataFields;
                    for (var g = 0; g < reader.RowGroupCount; g++)
                    {
                        if (batch is null || !reuse) batch = new InteractionBatch(ExtraColumns, 1);
                        ReadRowGroup(reader, fields, g, batch);
                        yield return batch;
                    }
                }
                finally
                {
                    Sync.Close(reader);
                }
            }
        }
    }

    /// <summary>All rows of the days in range in one batch (for data that fits in memory).</summary>
    public InteractionBatch ReadAll(DateOnly? from = null, DateOnly? to = null)
    {
        var all = new InteractionBatch(ExtraColumns, 1024);
        foreach (var batch in ReadBatches(from, to, reuse: true)) all.AddRange(batch);
        return all;
    }

    /// <summary>Counts the rows of the days in [<paramref name="from"/>, <paramref name="to"/>] from the files' metadata, without reading the data.</summary>
    public long CountRows(DateOnly? from = null, DateOnly? to = null) => Parts(from, to).Sum(p => p.Rows);

    /// <summary>Every part file of the days in range, in read order, with its rows counted from its metadata (its schema checked).</summary>
    internal IEnumerable<(DateOnly Day, string File, long Rows)> Parts(DateOnly? from = null, DateOnly? to = null)
    {
        foreach (var (date, dayDirectory) in _dayDirectories)
        {
            if (date < from || date > to) continue;
            foreach (var file in EventLogDays.PartFiles(dayDirectory))
            {
                long rows = 0;
                using (var stream = File.OpenRead(file))
                {
                    var reader = OpenPart(file, stream);
                    try
                    {
                        for (var g = 0; g < reader.RowGroupCount; g++)
                        {
                            using var group = reader.OpenRowGroupReader(g);
                            rows += group.RowCount;
                        }
                    }
                    finally
                    {
                        Sync.Close(reader);
                    }
                }
                yield return (date, file, rows);
            }
        }
    }

    private ParquetReader OpenPart(string file, Stream stream)
    {
        ParquetReader reader;
        try
        {
            reader = Sync.Run(() => ParquetReader.CreateAsync(stream));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new DataFormatException(file, $"not a readable Parquet file: {e.Message}", inner: e);
        }
        var version = reader.CustomMetadata.GetValueOrDefault(EventLogSchema.VersionMetadataKey);
        if (version != EventLogSchema.Version.ToString(CultureInfo.InvariantCulture))
        {
            Sync.Close(reader);
            throw new DataFormatException(file, $"event log part has schema version '{version ?? "none"}', expected {EventLogSchema.Version}");
        }
        var expected = EventLogSchema.Build(ExtraColumns).DataFields.Select(f => (f.Name, f.ClrType));
        if (!reader.Schema.DataFields.Select(f => (f.Name, f.ClrType)).SequenceEqual(expected))
        {
            Sync.Close(reader);
            throw new DataFormatException(file, "event log part does not have the columns its log's manifest declares");
        }
        return reader;
    }

    private void ReadRowGroup(ParquetReader reader, DataField[] fields, int index, InteractionBatch batch)
    {
        using var group = reader.OpenRowGroupReader(index);
        var rows = checked((int)group.RowCount);
        batch.SetCountForFill(rows);
        Sync.Run(async () =>
        {
            await group.ReadAsync(fields[0], batch.UsersMemory);
            await group.ReadAsync(fields[1], batch.ItemsMemory);
            await group.ReadAsync(fields[2], batch.TimesMsMemory);
            await group.ReadAsync(fields[3], batch.DurationsMsMemory);
            await group.ReadAsync(fields[4], batch.WatchesMsMemory);
            var flags = batch.Feedback.ToArray();
            Array.Clear(flags);
            var column = new bool[rows];
            for (var k = 0; k < FeedbackKinds.All.Count; k++)
            {
                await group.ReadAsync(fields[EventLogSchema.FirstFeedbackField + k], column.AsMemory());
                var kind = FeedbackKinds.All[k].Kind;
                for (var row = 0; row < rows; row++)
                    if (column[row]) flags[row] |= kind;
            }
            flags.CopyTo(batch.FeedbackMemory);
            for (var c = 0; c < ExtraColumns.Count; c++)
                await group.ReadAsync(fields[EventLogSchema.FirstExtraField + c], batch.ExtraMemory(c));
        });
    }
}
