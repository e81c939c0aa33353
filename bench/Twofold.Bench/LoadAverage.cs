namespace Twofold.Bench;

/// <summary>The machine's load average, printed beside every benchmark's figures (a shared 2-core machine's timings follow it).</summary>
internal static class LoadAverage
{
    private const string Path = "/proc/loadavg";

    /// <summary>
    /// The first <paramref name="fields"/> fields of /proc/loadavg (the 1-, 5- and 15-minute averages, then runnable/total
    /// tasks and the last process id), or "unknown" where it cannot be read.
    /// </summary>
    public static string Read(int fields = 3)
    {
        try { return string.Join(' ', File.ReadAllText(Path).Trim().Split(' ').Take(fields)); }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }
}
