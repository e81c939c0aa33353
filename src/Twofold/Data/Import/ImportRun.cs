using System.Globalization;
using Twofold.Domain;

namespace Twofold.Data.Import;

/// <summary>Handles one row of an input file.</summary>
public delegate void RowHandler(in CsvRow row);

/// <summary>
/// The pipeline every importer shares: the dataset being written (all or nothing), the id maps and item table,
/// the row loop over input files with validation errors either stopping the import or counted as skipped,
/// progress reports, and the conversion facts recorded in the manifest notes.
/// </summary>
public sealed class ImportRun : IDisposable
{
    private readonly ImportOptions _options;
    private readonly DatasetWriter _writer;
    private readonly List<string> _inputs = [];

    public ImportRun(string source, string output, ImportOptions options, IReadOnlyList<string> extraColumns)
    {
        Source = source;
        _options = options;
        _writer = DatasetWriter.Create(output, extraColumns, options.Overwrite);
    }

    public string Source { get; }

    public EventLogWriter Events => _writer.Events;

    public IdMap Users { get; } = new();

    public ItemTable Items { get; } = new();

    public SkipReport Skipped { get; } = new();

    /// <summary>Data rows read from every file so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Facts for the manifest; importers add their own (mapping choices, counts).</summary>
    public Dictionary<string, string> Notes { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads every row of <paramref name="file"/> through <paramref name="handler"/>. A handler validates the whole
    /// row before it changes anything (maps ids, appends events), so a row that fails is either the import's error
    /// or, with <see cref="ImportOptions.SkipInvalid"/>, skipped without trace.
    /// </summary>
    public void ReadRows(CsvFile file, RowHandler handler)
    {
        long rows = 0;
        var interval = Math.Max(1, _options.ProgressInterval);
        var progress = _options.Progress;
        var skipStart = Skipped.Total;
        while (file.MoveNext())
        {
            rows++;
            var row = file.Current;
            try
            {
                handler(row);
            }
            catch (DataFormatException error) when (_options.SkipInvalid)
            {
                Skipped.Add(error);
            }
            if (progress is not null && rows % interval == 0)
                progress(new ImportProgress(file.Path, rows, RowsRead + rows, Skipped.Total, file.Position, file.Length));
        }
        RowsRead += rows;
        progress?.Invoke(new ImportProgress(file.Path, rows, RowsRead, Skipped.Total, file.Length, file.Length));
        var skipped = Skipped.Total - skipStart;
        _inputs.Add(skipped == 0
            ? $"{Path.GetFileName(file.Path)} ({rows.ToString(CultureInfo.InvariantCulture)} rows)"
            : $"{Path.GetFileName(file.Path)} ({rows.ToString(CultureInfo.InvariantCulture)} rows, {skipped.ToString(CultureInfo.InvariantCulture)} skipped)");
    }

    /// <summary>Adds a counted fact to the notes.</summary>
    public void Note(string key, long count) => Notes[key] = count.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the tables and the manifest and moves the dataset into place.</summary>
    public ImportResult Commit()
    {
        var users = new List<User>(Users.Count);
        for (var u = 0; u < Users.Count; u++) users.Add(new User(new UserId(u), Users.ExternalId(u)));
        var (items, creators, unknownCreator, itemsWithoutCreator) = Items.Build();
        var notes = new Dictionary<string, string>(Notes, StringComparer.Ordinal)
        {
            ["input_files"] = string.Join("; ", _inputs),
            ["rows_read"] = RowsRead.ToString(CultureInfo.InvariantCulture),
            ["interactions_imported"] = Events.RowsWritten.ToString(CultureInfo.InvariantCulture),
        };
        Skipped.WriteNotes(notes);
        if (unknownCreator is { } unknown)
        {
            notes["unknown_creator"] = unknown.Value.ToString(CultureInfo.InvariantCulture);
            notes["items_without_creator"] = itemsWithoutCreator.ToString(CultureInfo.InvariantCulture);
        }
        var dataset = _writer.Commit(Source, users, creators, items, notes);
        return new ImportResult(dataset, RowsRead, Skipped);
    }

    public void Dispose() => _writer.Dispose();
}
