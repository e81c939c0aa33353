using System.Globalization;

namespace Twofold.Data;

/// <summary>Day partitions of the event log: UTC days since the Unix epoch and their directory and file names.</summary>
public static class EventLogDays
{
    public const long MsPerDay = 86_400_000L;
    private const string Prefix = "day=";

    public static int DayNumber(long timeMs) => (int)Math.Floor(timeMs / (double)MsPerDay);

    public static DateOnly ToDate(int dayNumber) => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + dayNumber);

    public static int FromDate(DateOnly date) => date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static string PartitionName(int dayNumber) => Prefix + ToDate(dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static bool TryParsePartition(string directoryName, out DateOnly date) =>
        DateOnly.TryParseExact(directoryName.StartsWith(Prefix, StringComparison.Ordinal) ? directoryName[Prefix.Length..] : "",
            "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static string PartFileName(int number) => $"part-{number:D5}.parquet";

    public static IEnumerable<string> PartFiles(string dayDirectory) =>
        Directory.EnumerateFiles(dayDirectory, "part-*.parquet").Order(StringComparer.Ordinal);

    public static int NextPartNumber(string dayDirectory)
    {
        var next = 0;
        foreach (var file in PartFiles(dayDirectory))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (int.TryParse(name.AsSpan("part-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                next = Math.Max(next, number + 1);
        }
        return next;
    }
}
