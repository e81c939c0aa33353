using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Twofold.Server.Serving;

/// <summary>
/// The stages of one dispatch batch: each goes to the upload-stage histogram (<see cref="ServiceMetrics.UploadStages"/>)
/// and is kept, so a batch slower than its threshold (<see cref="SlowBatch"/> unless given) is logged with where its time went and when. The
/// histograms say how many uploads stalled in which stage; the log line says when, to set beside the disk and the host.
/// </summary>
/// <param name="slow">The threshold; <see cref="SlowBatch"/> when null.</param>
internal sealed class BatchStages(ServiceMetrics metrics, int uploads, TimeSpan? slow = null)
{
    public static readonly TimeSpan SlowBatch = TimeSpan.FromMilliseconds(100);
    private readonly TimeSpan _slow = slow ?? SlowBatch;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<(string Stage, TimeSpan Duration)> _stages = [];

    /// <summary>Records a stage of the whole batch (once in the histogram).</summary>
    public void Record(string stage, TimeSpan duration)
    {
        metrics.RecordUploadStage(stage, duration);
        _stages.Add((stage, duration));
    }

    /// <summary>Keeps a step of the batch that has a histogram of its own (the catalogue's growth) for the log line only.</summary>
    public void Keep(string step, TimeSpan duration) => _stages.Add((step, duration));

    /// <summary>Logs the batch as a warning when it has taken longer than the slow threshold so far.</summary>
    public void LogIfSlow(ILogger logger)
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        if (elapsed < _slow) return;
        var steps = string.Join(", ", _stages.Select(s => $"{s.Stage} {s.Duration.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)} ms"));
        logger.LogWarning("Slow dispatch batch: {Uploads} uploads in {Elapsed} ms ({Steps})", uploads,
            elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture), steps);
    }
}
