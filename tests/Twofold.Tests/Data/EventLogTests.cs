using Twofold.Data;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data;

public class EventLogTests
{
    private const long Day = 86_400_000L;
    private static readonly long Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static Interaction Row(int i) => new(new UserId(i % 7), new ItemId(i % 11), Start + (i % 3) * Day + i, 10_000 + i, i * 3,
        (Feedback)(i % 128));

    [Fact]
    public void Rows_round_trip_by_day_with_extras_and_several_row_groups()
    {
        using var dir = new TempDirectory();
        using (var writer = EventLogWriter.Open(dir.Path, ["is_rand"], rowGroupSize: 5))
        {
            for (var i = 0; i < 100; i++) writer.Append(Row(i), [i % 2]);
            writer.Complete();
        }

        var log = EventLog.Open(dir.Path);
        Assert.Equal(3, log.Days.Count);
        Assert.Equal(100, log.CountRows());
        var all = log.ReadAll();
        Assert.Equal(100, all.Count);
        var expected = Enumerable.Range(0, 100).OrderBy(i => i % 3).ThenBy(i => i).ToList();
        for (var r = 0; r < all.Count; r++)
        {
            Assert.Equal(Row(expected[r]), all[r]);
            Assert.Equal(expected[r] % 2, all.Extra("is_rand")[r]);
        }
        Assert.True(log.ReadBatches().Count() > 3); // row groups of 5 rows are streamed one at a time
    }

    [Fact]
    public void Appending_adds_new_parts_and_a_reader_can_pick_days()
    {
        using var dir = new TempDirectory();
        for (var round = 0; round < 2; round++)
        {
            using var writer = EventLogWriter.Open(dir.Path);
            for (var i = 0; i < 30; i++) writer.Append(Row(i));
            writer.Complete();
        }
        var log = EventLog.Open(dir.Path);
        Assert.Equal(60, log.CountRows());
        var first = log.Days.First();
        Assert.Equal(20, log.ReadAll(first, first).Count);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, EventLogDays.PartitionName(EventLogDays.FromDate(first))), "part-*").Length);
    }

    [Fact]
    public void An_uncompleted_writer_leaves_nothing_visible()
    {
        using var dir = new TempDirectory();
        using (var writer = EventLogWriter.Open(dir.Path, rowGroupSize: 4))
            for (var i = 0; i < 50; i++) writer.Append(Row(i));
        var log = EventLog.Open(dir.Path);
        Assert.Equal(0, log.CountRows());
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Reopening_with_other_extra_columns_is_refused()
    {
        using var dir = new TempDirectory();
        EventLogWriter.Open(dir.Path, ["a"]).Dispose();
        var error = Assert.Throws<ArgumentException>(() => EventLogWriter.Open(dir.Path, ["b"]));
        Assert.Contains("[a]", error.Message);
    }

    [Fact]
    public void A_corrupt_part_is_reported_with_its_file()
    {
        using var dir = new TempDirectory();
        using (var writer = EventLogWriter.Open(dir.Path))
        {
            writer.Append(Row(0));
            writer.Complete();
        }
        var part = Directory.GetFiles(dir.Path, "part-*.parquet", SearchOption.AllDirectories).Single();
        File.WriteAllText(part, "not parquet at all");
        var error = Assert.Throws<DataFormatException>(() => EventLog.Open(dir.Path).ReadAll());
        Assert.Equal(part, error.File);
    }

    [Fact]
    public void A_newer_schema_version_is_refused()
    {
        using var dir = new TempDirectory();
        EventLogWriter.Open(dir.Path).Dispose();
        var manifest = Path.Combine(dir.Path, EventLogSchema.ManifestFileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"version\": 1", "\"version\": 99"));
        var error = Assert.Throws<DataFormatException>(() => EventLog.Open(dir.Path));
        Assert.Contains("version 99", error.Message);
    }
}
