using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Twofold.Data.Import;

namespace Twofold.Cli;

/// <summary>
/// Shows an import's progress: a live Spectre.Console display (file, rows, rows/s, share of the file read) when
/// the output is an interactive terminal, otherwise a plain line every few seconds.
/// </summary>
public static class ImportProgressDisplay
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public static ImportResult Run(string label, Func<Action<ImportProgress>, ImportResult> import)
    {
        var clock = Stopwatch.StartNew();
        ImportResult result;
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            result = AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    ProgressTask? task = null;
                    string? file = null;
                    return import(p =>
                    {
                        if (p.File != file)
                        {
                            task?.StopTask();
                            file = p.File;
                            task = context.AddTask(Path.GetFileName(p.File), maxValue: Math.Max(1, p.FileBytes));
                        }
                        task!.Value = Math.Min(p.FileBytesRead, task.MaxValue);
                        task.Description = Markup.Escape($"{Path.GetFileName(p.File)}  {Describe(p, clock.Elapsed)}");
                        if (p.FileBytesRead >= p.FileBytes) task.StopTask();
                    });
                });
        }
        else
        {
            var last = TimeSpan.Zero;
            string? file = null;
            result = import(p =>
            {
                var now = clock.Elapsed;
                var fileDone = p.FileBytesRead >= p.FileBytes;
                if (p.File == file && !fileDone && now - last < PlainInterval) return;
                file = p.File;
                last = now;
                Console.WriteLine($"{label}: {Path.GetFileName(p.File)}  {Describe(p, now)}");
            });
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: read {result.RowsRead:N0} rows in {clock.Elapsed.TotalSeconds:F1} s ({result.RowsRead / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N0} rows/s)"));
        return result;
    }

    private static string Describe(ImportProgress p, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"{p.FileRows:N0} rows, {p.TotalRows / Math.Max(elapsed.TotalSeconds, 1e-3):N0} rows/s{(p.Skipped > 0 ? $", {p.Skipped:N0} skipped" : "")}");
}
