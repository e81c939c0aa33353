using nietras.SeparatedValues;

namespace Twofold.Data.Import;

/// <summary>
/// One delimited input file read row by row with Sep: knows its column names (from the header or given for
/// header-less formats), checks that required columns exist and that every row has the header's column count,
/// and hands each row to the caller as a <see cref="CsvRow"/> that parses fields from spans without allocating.
/// </summary>
public sealed class CsvFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly SepReader _reader;
    private readonly string[] _columns;

    private CsvFile(string path, FileStream stream, SepReader reader, string[] columns, bool hasHeader)
    {
        Path = path;
        _stream = stream;
        _reader = reader;
        _columns = columns;
        HasHeader = hasHeader;
    }

    /// <summary>The file as named in messages.</summary>
    public string Path { get; }

    public bool HasHeader { get; }

    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Size of the file in bytes.</summary>
    public long Length => _stream.Length;

    /// <summary>How far the reader has got into the file (approximately: Sep reads ahead in blocks).</summary>
    public long Position => _stream.Position;

    /// <summary>
    /// Opens a file whose first line names the columns.
    /// </summary>
    /// <param name="quotes">Whether fields may be quoted (RFC 4180); off for formats that use '"' literally.</param>
    public static CsvFile OpenWithHeader(string path, char separator = ',', bool quotes = true) => Open(path, separator, null, quotes);

    /// <summary>Opens a header-less file; <paramref name="columns"/> name its columns for validation and messages.</summary>
    public static CsvFile OpenWithoutHeader(string path, char separator, IReadOnlyList<string> columns, bool quotes = false) =>
        Open(path, separator, columns, quotes);

    private static CsvFile Open(string path, char separator, IReadOnlyList<string>? columns, bool quotes)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            var reader = Sep.New(separator).Reader(o => o with
            {
                HasHeader = columns is null,
                DisableColCountCheck = true,
                DisableQuotesParsing = !quotes,
                Unescape = quotes,
            }).From(stream, leaveOpen: true);
            string[] names;
            if (columns is null)
            {
                if (reader.Header.IsEmpty) throw new DataFormatException(path, "the file is empty; expected a header line", 1);
                names = reader.Header.ColNames.Select(n => n.Trim().Trim('\uFEFF')).ToArray();
            }
            else
            {
                names = columns.ToArray();
            }
            return new CsvFile(path, stream, reader, names, columns is null);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The index of a column the format requires; a missing one is an error naming the header line.</summary>
    public int Require(string column)
    {
        var index = IndexOf(column);
        if (index < 0)
            throw new DataFormatException(Path, $"the header has no column '{column}' (it has: {string.Join(", ", _columns)})", 1, column);
        return index;
    }

    /// <summary>The index of an optional column, or -1.</summary>
    public int IndexOf(string column) => Array.IndexOf(_columns, column);

    /// <summary>Advances to the next row; false at the end of the file.</summary>
    public bool MoveNext() => _reader.MoveNext();

    /// <summary>The current row.</summary>
    public CsvRow Current => new(this, _reader.Current);

    internal string ColumnName(int index) => index < _columns.Length ? _columns[index] : $"#{index + 1}";

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }
}
