using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Twofold.Server.Serving;

namespace Twofold.Server.Tests;

/// <summary>A dispatch batch slower than the threshold is logged once, with each of its stages; a fast one is not.</summary>
public class BatchStagesTests
{
    [Fact]
    public void A_slow_batch_is_logged_with_its_stages_and_a_fast_one_is_not()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new ServiceMetrics(services.GetRequiredService<IMeterFactory>());
        var logger = new Recording();

        var fast = new BatchStages(metrics, uploads: 2, slow: TimeSpan.FromHours(1));
        fast.Record("record", TimeSpan.FromMilliseconds(1));
        fast.LogIfSlow(logger);
        Assert.Empty(logger.Lines);

        var slow = new BatchStages(metrics, uploads: 3, slow: TimeSpan.Zero);
        slow.Record("record", TimeSpan.FromMilliseconds(2.5));
        slow.Keep("growth", TimeSpan.FromMilliseconds(210));
        slow.Record("match", TimeSpan.FromMilliseconds(4));
        slow.LogIfSlow(logger);
        var (level, line) = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Warning, level);
        Assert.StartsWith("Slow dispatch batch: 3 uploads in ", line);
        Assert.EndsWith("(record 2.5 ms, growth 210.0 ms, match 4.0 ms)", line);
    }

    private sealed class Recording : ILogger
    {
        public List<(LogLevel Level, string Line)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
