using System.Globalization;
using nietras.SeparatedValues;

namespace Twofold.Data.Import;

/// <summary>
/// One row of a <see cref="CsvFile"/>. Fields are parsed from spans; every failure is a
/// <see cref="DataFormatException"/> naming the file, line, column and value.
/// </summary>
public readonly ref struct CsvRow
{
    private readonly CsvFile _file;
    private readonly SepReader.Row _row;

    internal CsvRow(CsvFile file, SepReader.Row row)
    {
        _file = file;
        _row = row;
    }

    /// <summary>The 1-based line the row starts on.</summary>
    public int Line => _row.LineNumberFrom;

    public int ColumnCount => _row.ColCount;

    public string File => _file.Path;

    /// <summary>Fails unless the row has exactly the file's column count.</summary>
    public void RequireColumnCount(int expected)
    {
        if (_row.ColCount != expected)
            throw new DataFormatException(_file.Path, $"expected {expected} columns, found {_row.ColCount}", Line, null, Truncate(_row.Span));
    }

    /// <summary>Fails unless the row has at least <paramref name="minimum"/> columns.</summary>
    public void RequireColumnCountAtLeast(int minimum)
    {
        if (_row.ColCount < minimum)
            throw new DataFormatException(_file.Path, $"expected at least {minimum} columns, found {_row.ColCount}", Line, null, Truncate(_row.Span));
    }

    public ReadOnlySpan<char> Span(int column) => _row[column].Span;

    public bool IsEmpty(int column) => _row[column].Span.IsEmpty;

    /// <summary>The field as a string (allocates: for entity tables, not per-event fields).</summary>
    public string Text(int column) => _row[column].Span.ToString();

    /// <summary>A non-empty identifier.</summary>
    public ReadOnlySpan<char> Id(int column)
    {
        var span = _row[column].Span;
        if (span.IsEmpty) throw Fail(column, "an identifier is required", span);
        return span;
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; "12.0" is accepted as 12.</summary>
    public int Int(int column, int min = 0, int max = int.MaxValue)
    {
        var value = Long(column, min, max);
        return (int)value;
    }

    /// <summary>A 64-bit integer in [<paramref name="min"/>, <paramref name="max"/>]; "12.0" is accepted as 12.</summary>
    public long Long(int column, long min = 0, long max = long.MaxValue)
    {
        var span = _row[column].Span;
        if (!long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && !TryIntegralDouble(span, out value))
            throw Fail(column, span.IsEmpty ? "a number is required" : "not an integer", span);
        if (value < min || value > max) throw Fail(column, $"out of range [{min}, {max}]", span);
        return value;
    }

    /// <summary>A 0/1 flag.</summary>
    public bool Flag(int column)
    {
        var span = _row[column].Span;
        if (span.Length == 1)
        {
            if (span[0] == '0') return false;
            if (span[0] == '1') return true;
        }
        if (TryIntegralDouble(span, out var value) && value is 0 or 1) return value == 1;
        throw Fail(column, "not a 0/1 flag", span);
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double Double(int column, double min = double.MinValue, double max = double.MaxValue)
    {
        var span = _row[column].Span;
        if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Fail(column, span.IsEmpty ? "a number is required" : "not a number", span);
        if (value < min || value > max) throw Fail(column, $"out of range [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]", span);
        return value;
    }

    /// <summary>A failure at this row and column, for checks the caller makes itself.</summary>
    public DataFormatException Fail(int column, string problem, ReadOnlySpan<char> value) =>
        new(_file.Path, problem, Line, _file.ColumnName(column), Truncate(value));

    /// <summary>A failure at this row and column, showing the column's value.</summary>
    public DataFormatException Fail(int column, string problem) => Fail(column, problem, _row[column].Span);

    private static bool TryIntegralDouble(ReadOnlySpan<char> span, out long value)
    {
        value = 0;
        if (span.IsEmpty || !double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return false;
        if (!double.IsFinite(d) || d != Math.Floor(d) || Math.Abs(d) > 9e15) return false;
        value = (long)d;
        return true;
    }

    private static string Truncate(ReadOnlySpan<char> value) => value.Length <= 200 ? value.ToString() : string.Concat(value[..200], "...");
}
