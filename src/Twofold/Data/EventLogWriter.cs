using System.Globalization;
using Parquet;
using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// Appends interactions to an event log directory, partitioned by UTC day (<c>day=yyyy-MM-dd/part-NNNNN.parquet</c>).
/// Each day's rows go to a new part file written under a temporary name; <see cref="Complete"/> renames them into
/// place, so readers never see a half-written file, and disposing without completing discards them.
/// Memory is bounded by one row group per open day.
/// </summary>
public sealed class EventLogWriter : IDisposable
{
    public const int DefaultRowGroupSize = 1 << 18;

    private readonly string _directory;
    private readonly int _rowGroupSize;
    private readonly Parquet.Schema.ParquetSchema _schema;
    private readonly Dictionary<int, DayPart> _parts = new();
    private bool _completed;

    private EventLogWriter(string directory, IReadOnlyList<string> extraColumns, int rowGroupSize)
    {
        _directory = directory;
        _rowGroupSize = rowGroupSize;
        ExtraColumns = extraColumns;
        _schema = EventLogSchema.Build(extraColumns);
    }

    public IReadOnlyList<string> ExtraColumns { get; }

    /// <summary>Rows appended through this writer.</summary>
    public long RowsWritten { get; private set; }

    /// <summary>
    /// Opens <paramref name="directory"/> for appending, creating the log when it does not exist. Appending to an
    /// existing log requires the same extra columns.
    /// </summary>
    public static EventLogWriter Open(string directory, IReadOnlyList<string>? extraColumns = null, int rowGroupSize = DefaultRowGroupSize)
    {
        extraColumns ??= [];
        EventLogSchema.ValidateExtraColumns(extraColumns);
        if (rowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize), rowGroupSize, "Row groups need at least one row.");
        if (File.Exists(Path.Combine(directory, EventLogSchema.ManifestFileName)))
        {
            var manifest = EventLogSchema.ReadManifest(directory);
            if (!manifest.ExtraColumns.SequenceEqual(extraColumns))
                throw new ArgumentException($"The event log at {directory} has extra columns [{string.Join(", ", manifest.ExtraColumns)}], " +
                                            $"not [{string.Join(", ", extraColumns)}].");
        }
        else
        {
            Directory.CreateDirectory(directory);
            EventLogSchema.WriteManifest(directory, extraColumns);
        }
        return new EventLogWriter(directory, extraColumns, rowGroupSize);
    }

    public void Append(in Interaction interaction, ReadOnlySpan<int> extras = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var day = EventLogDays.DayNumber(interaction.TimeMs);
        if (!_parts.TryGetValue(day, out var part))
        {
            part = new DayPart(_directory, day, _schema, ExtraColumns, _rowGroupSize);
            _parts.Add(day, part);
        }
        part.Buffer.Add(interaction, extras);
        RowsWritten++;
        if (part.Buffer.Count >= _rowGroupSize) part.FlushRowGroup();
    }

    public void Append(InteractionBatch batch)
    {
        Span<int> extras = stackalloc int[batch.ExtraColumns.Count];
        for (var row = 0; row < batch.Count; row++)
        {
            for (var c = 0; c < extras.Length; c++) extras[c] = batch.Extra(c)[row];
            Append(batch[row], extras);
        }
    }

    /// <summary>
    /// Adds every row of <paramref name="source"/> without reading or rewriting it: each of its part files becomes a
    /// part of the same day here, under the next free part number, as a hard link (a copy where the file system cannot
    /// link). Published parts are never written again (a writer only adds new ones), so the two logs can share their
    /// content; each stays whole when the other is deleted. Reading this log then gives the source's rows in the
    /// source's order, as appending them row by row would (when this writer holds no rows of those days). The parts
    /// are visible at once; the source must have this log's extra columns.
    /// </summary>
    public void AppendParts(EventLog source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_completed, this);
        if (!source.ExtraColumns.SequenceEqual(ExtraColumns))
            throw new ArgumentException($"The event log at {source.Directory} has extra columns [{string.Join(", ", source.ExtraColumns)}], " +
                                        $"not [{string.Join(", ", ExtraColumns)}] like {_directory}.");
        foreach (var (day, file, rows) in source.Parts())
        {
            var dayDirectory = Path.Combine(_directory, EventLogDays.PartitionName(EventLogDays.FromDate(day)));
            Directory.CreateDirectory(dayDirectory);
            for (var number = EventLogDays.NextPartNumber(dayDirectory); ; number++)
            {
                var final = Path.Combine(dayDirectory, EventLogDays.PartFileName(number));
                if (File.Exists(final)) continue;
                if (HardLink.TryCreate(file, final)) break;
                if (File.Exists(final)) continue;
                var temp = Path.Combine(dayDirectory, $".part-{Guid.NewGuid():N}.tmp");
                File.Copy(file, temp);
                try
                {
                    File.Move(temp, final, overwrite: false);
                    break;
                }
                catch (IOException) when (File.Exists(final))
                {
                    File.Delete(temp);
                }
            }
            RowsWritten += rows;
        }
    }

    /// <summary>Flushes every open day and makes the new part files visible.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        foreach (var part in _parts.Values) part.Close();
        foreach (var part in _parts.Values) part.Publish();
        _parts.Clear();
        _completed = true;
    }

    /// <summary>Discards whatever was not completed.</summary>
    public void Dispose()
    {
        foreach (var part in _parts.Values) part.Abort();
        _parts.Clear();
        _completed = true;
    }

    /// <summary>The rows of one day written by this writer: a part file under a temporary name until published.</summary>
    private sealed class DayPart
    {
        private readonly Parquet.Schema.ParquetSchema _schema;
        private readonly string _dayDirectory;
        private readonly string _tempPath;
        private FileStream? _stream;
        private ParquetWriter? _writer;

        public DayPart(string logDirectory, int day, Parquet.Schema.ParquetSchema schema, IReadOnlyList<string> extraColumns, int rowGroupSize)
        {
            _schema = schema;
            _dayDirectory = Path.Combine(logDirectory, EventLogDays.PartitionName(day));
            Directory.CreateDirectory(_dayDirectory);
            _tempPath = Path.Combine(_dayDirectory, $".part-{Guid.NewGuid():N}.tmp");
            Buffer = new InteractionBatch(extraColumns, Math.Min(rowGroupSize, 4096));
        }

        public InteractionBatch Buffer { get; }

        public void FlushRowGroup()
        {
            if (Buffer.Count == 0) return;
            if (_writer is null)
            {
                _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                _writer = Sync.Run(() => ParquetWriter.CreateAsync(_schema, _stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }));
                _writer.CustomMetadata = new Dictionary<string, string>
                {
                    [EventLogSchema.VersionMetadataKey] = EventLogSchema.Version.ToString(CultureInfo.InvariantCulture),
                };
            }
            Sync.Run(() => WriteRowGroupAsync(_writer, _schema, Buffer));
            Buffer.Clear();
        }

        private static async Task WriteRowGroupAsync(ParquetWriter writer, Parquet.Schema.ParquetSchema schema, InteractionBatch rows)
        {
            // Columns must be written in schema order: core, feedback flags, extras (see EventLogSchema.Build).
            var fields = schema.DataFields;
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(fields[0], (ReadOnlyMemory<int>)rows.UsersMemory);
            await group.WriteAsync(fields[1], (ReadOnlyMemory<int>)rows.ItemsMemory);
            await group.WriteAsync(fields[2], (ReadOnlyMemory<long>)rows.TimesMsMemory);
            await group.WriteAsync(fields[3], (ReadOnlyMemory<int>)rows.DurationsMsMemory);
            await group.WriteAsync(fields[4], (ReadOnlyMemory<int>)rows.WatchesMsMemory);
            var flags = rows.FeedbackMemory;
            var column = new bool[rows.Count];
            for (var k = 0; k < FeedbackKinds.All.Count; k++)
            {
                var kind = FeedbackKinds.All[k].Kind;
                for (var row = 0; row < column.Length; row++) column[row] = (flags.Span[row] & kind) != 0;
                await group.WriteAsync(fields[EventLogSchema.FirstFeedbackField + k], (ReadOnlyMemory<bool>)column);
            }
            for (var c = 0; c < rows.ExtraColumns.Count; c++)
                await group.WriteAsync(fields[EventLogSchema.FirstExtraField + c], (ReadOnlyMemory<int>)rows.ExtraMemory(c));
        }

        public void Close()
        {
            FlushRowGroup();
            if (_writer is not null) Sync.Close(_writer);
            _writer = null;
            _stream?.Flush(flushToDisk: true);
            _stream?.Dispose();
            _stream = null;
        }

        public void Publish()
        {
            if (!File.Exists(_tempPath)) return;
            // Several writers may append to one day: take the next free part number, never overwrite.
            for (var number = EventLogDays.NextPartNumber(_dayDirectory); ; number++)
            {
                var final = Path.Combine(_dayDirectory, EventLogDays.PartFileName(number));
                try
                {
                    File.Move(_tempPath, final, overwrite: false);
                    return;
                }
                catch (IOException) when (File.Exists(final))
                {
                }
            }
        }

        public void Abort()
        {
            try
            {
                if (_writer is not null) Sync.Close(_writer);
            }
            catch (IOException)
            {
                // The part is being discarded; a failure to finish it changes nothing.
            }
            _stream?.Dispose();
            AtomicFile.TryDelete(_tempPath);
            if (Directory.Exists(_dayDirectory) && !Directory.EnumerateFileSystemEntries(_dayDirectory).Any())
                Directory.Delete(_dayDirectory);
        }
    }
}
