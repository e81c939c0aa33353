using System.Globalization;

namespace Twofold.Data.Import;

/// <summary>
/// What <c>--skip-invalid</c> left out: rows skipped per reason and the first few examples with file and line.
/// </summary>
public sealed class SkipReport
{
    /// <summary>How many examples are kept.</summary>
    public const int MaxExamples = 5;

    private readonly SortedDictionary<string, long> _byReason = new(StringComparer.Ordinal);
    private readonly List<string> _examples = [];

    public long Total { get; private set; }

    /// <summary>Rows skipped per reason (the problem of the row's error, e.g. "not a 0/1 flag").</summary>
    public IReadOnlyDictionary<string, long> ByReason => _byReason;

    /// <summary>The first <see cref="MaxExamples"/> errors in full (file, line, column, value).</summary>
    public IReadOnlyList<string> Examples => _examples;

    public void Add(DataFormatException error)
    {
        Total++;
        var reason = error.Column is null ? error.Problem : $"column '{error.Column}': {error.Problem}";
        _byReason[reason] = _byReason.GetValueOrDefault(reason) + 1;
        if (_examples.Count < MaxExamples) _examples.Add(error.Message);
    }

    /// <summary>The report as manifest notes: <c>skipped</c>, <c>skipped.reason: ...</c> and <c>skipped.example.N</c>.</summary>
    public void WriteNotes(IDictionary<string, string> notes)
    {
        notes["rows_skipped"] = Total.ToString(CultureInfo.InvariantCulture);
        foreach (var (reason, count) in _byReason) notes[$"skipped: {reason}"] = count.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < _examples.Count; i++) notes[$"skipped example {i + 1}"] = _examples[i];
    }
}
