using System.Diagnostics.Tracing;

namespace Twofold.Bench;

/// <summary>
/// Every pause of the garbage collector in this process while it is listening: from the runtime's "suspend" to its
/// "restart" events, so a benchmark can tell a few long stops (which make a latency tail) from many short ones.
/// GC.GetTotalPauseDuration gives only their sum.
/// </summary>
public sealed class GcPauses : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly List<double> _pausesMs = [];
    private readonly object _gate = new();
    private DateTime? _suspended;

    /// <summary>Pauses seen so far, in milliseconds.</summary>
    public IReadOnlyList<double> PausesMs
    {
        get
        {
            lock (_gate) return _pausesMs.ToList();
        }
    }

    public void Clear()
    {
        lock (_gate) _pausesMs.Clear();
    }

    /// <summary>"N pauses, longest X ms, p90 Y ms" over the pauses so far.</summary>
    public string Summary()
    {
        var pauses = PausesMs.Order().ToList();
        if (pauses.Count == 0) return "no GC pauses";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{pauses.Count} GC pauses, p90 {pauses[(int)(0.9 * (pauses.Count - 1))]:F1} ms, longest {pauses[^1]:F1} ms");
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        switch (e.EventName)
        {
            case "GCSuspendEEBegin_V1":
                lock (_gate) _suspended = e.TimeStamp;
                break;
            case "GCRestartEEEnd_V1":
                lock (_gate)
                {
                    if (_suspended is { } start) _pausesMs.Add((e.TimeStamp - start).TotalMilliseconds);
                    _suspended = null;
                }
                break;
        }
    }
}
