using System.Diagnostics.Tracing;

namespace Twofold.Diagnostics;

/// <summary>
/// Reports every pause of the garbage collector in this process while it listens: from the runtime's "suspend" to its
/// "restart" events, so a benchmark or a service's metrics can tell a few long stops (which make a latency tail) from
/// many short ones. GC.GetTotalPauseDuration and the runtime's own metrics give only their sum.
/// </summary>
/// <param name="paused">Called with each pause's length in milliseconds, on the thread that reports it.</param>
public sealed class GcPauses(Action<double> paused) : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Lock _gate = new();
    private DateTime? _suspended;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        double? pause = null;
        switch (e.EventName)
        {
            case "GCSuspendEEBegin_V1":
                lock (_gate) _suspended = e.TimeStamp;
                break;
            case "GCRestartEEEnd_V1":
                lock (_gate)
                {
                    if (_suspended is { } start) pause = (e.TimeStamp - start).TotalMilliseconds;
                    _suspended = null;
                }
                break;
        }
        if (pause is { } milliseconds) paused(milliseconds);
    }
}
