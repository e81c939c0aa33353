namespace Twofold.Data;

/// <summary>
/// Input data that cannot be read: names the file, and where known the line, column and offending value.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, string problem, long? line = null, string? column = null, string? value = null, Exception? inner = null)
        : base(Describe(file, problem, line, column, value), inner)
    {
        File = file;
        Problem = problem;
        Line = line;
        Column = column;
        Value = value;
    }

    public string File { get; }
    public string Problem { get; }
    public long? Line { get; }
    public string? Column { get; }
    public string? Value { get; }

    private static string Describe(string file, string problem, long? line, string? column, string? value)
    {
        var where = file;
        if (line is not null) where += $", line {line}";
        if (column is not null) where += $", column '{column}'";
        return value is null ? $"{where}: {problem}" : $"{where}: {problem} (value '{value}')";
    }
}
