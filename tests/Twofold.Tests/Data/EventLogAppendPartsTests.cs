using Twofold.Data;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data;

public class EventLogAppendPartsTests
{
    private const long Day = 86_400_000L;
    private static readonly long Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static Interaction Row(int i, int firstDay) =>
        new(new UserId(i % 7), new ItemId(i % 11), Start + (firstDay + i % 3) * Day + i, 10_000 + i, i * 3, (Feedback)(i % 128));

    private static void Write(string directory, int rows, int firstDay, IReadOnlyList<string>? extras = null)
    {
        using var writer = EventLogWriter.Open(directory, extras, rowGroupSize: 7);
        for (var i = 0; i < rows; i++) writer.Append(Row(i, firstDay), extras is null ? default : [i]);
        writer.Complete();
    }

    [Fact]
    public void Appended_parts_read_as_the_rows_appended_one_by_one_and_outlive_their_source()
    {
        using var dir = new TempDirectory();
        Write(dir.Combine("a"), 40, 0);
        Write(dir.Combine("a"), 20, 1); // a second part on days 1 and 2
        Write(dir.Combine("b"), 30, 3);
        var expected = new InteractionBatch([]);
        using (var writer = EventLogWriter.Open(dir.Combine("rewritten")))
        {
            foreach (var source in new[] { "a", "b" })
                foreach (var batch in EventLog.Open(dir.Combine(source)).ReadBatches())
                    writer.Append(batch);
            writer.Complete();
        }
        using (var writer = EventLogWriter.Open(dir.Combine("linked")))
        {
            writer.AppendParts(EventLog.Open(dir.Combine("a")));
            writer.AppendParts(EventLog.Open(dir.Combine("b")));
            Assert.Equal(90, writer.RowsWritten);
            writer.Complete();
        }

        Directory.Delete(dir.Combine("a"), recursive: true);
        var linked = EventLog.Open(dir.Combine("linked")).ReadAll();
        var rewritten = EventLog.Open(dir.Combine("rewritten")).ReadAll();
        Assert.Equal(90, linked.Count);
        for (var r = 0; r < linked.Count; r++) Assert.Equal(rewritten[r], linked[r]);
        Assert.Equal(6, EventLog.Open(dir.Combine("linked")).Days.Count);
    }

    [Fact]
    public void Parts_go_after_the_day_parts_already_there_and_other_columns_are_refused()
    {
        using var dir = new TempDirectory();
        Write(dir.Combine("a"), 12, 0);
        Write(dir.Combine("target"), 9, 0);
        using (var writer = EventLogWriter.Open(dir.Combine("target")))
        {
            writer.AppendParts(EventLog.Open(dir.Combine("a")));
            writer.Complete();
        }
        var target = EventLog.Open(dir.Combine("target"));
        Assert.Equal(21, target.CountRows());
        var first = target.ReadAll(target.Days.First(), target.Days.First());
        Assert.Equal(Row(0, 0), first[0]); // the target's own part comes first
        Assert.Equal(Row(0, 0), first[3]); // then the appended one: rows 0, 3, 6 of day 0 each

        Write(dir.Combine("extras"), 5, 0, ["x"]);
        using var other = EventLogWriter.Open(dir.Combine("target"));
        var error = Assert.Throws<ArgumentException>(() => other.AppendParts(EventLog.Open(dir.Combine("extras"))));
        Assert.Contains("extra columns", error.Message);
    }
}
