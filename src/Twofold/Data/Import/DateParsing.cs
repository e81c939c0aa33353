using System.Globalization;

namespace Twofold.Data.Import;

/// <summary>Date and time fields of the source formats, as Unix epoch milliseconds.</summary>
internal static class DateParsing
{
    /// <summary>Latest accepted event or upload time (2100-01-01): anything later is a unit error.</summary>
    public const long MaxTimeMs = 4_102_444_800_000L;

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyyMMdd", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy/MM/dd"];

    /// <summary>Parses a date or date-time written in the given UTC offset.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, TimeSpan offset, out long timeMs)
    {
        timeMs = 0;
        if (!DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return false;
        timeMs = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset).ToUnixTimeMilliseconds();
        return true;
    }
}
