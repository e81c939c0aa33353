using Twofold.Data;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void A_committed_dataset_reads_back_its_tables_and_events()
    {
        using var dir = new TempDirectory();
        var target = dir.Combine("ds");
        using (var writer = DatasetWriter.Create(target))
        {
            writer.Events.Append(new Interaction(new UserId(0), new ItemId(1), 5, 1000, 500, Feedback.Like));
            writer.Commit("test",
                [new User(new UserId(0), "alice")],
                [new Creator(new CreatorId(0), "studio")],
                [new Item(new ItemId(0), "v0", new CreatorId(0), 1, 2, "music", ["a", "b"], [1f, 2f]),
                 new Item(new ItemId(1), "v1", new CreatorId(0), 3, 4, "", [])]);
        }
        var ds = Dataset.Open(target);
        Assert.Equal(1, ds.Manifest.Interactions);
        Assert.Equal("alice", ds.ReadUsers()[0].ExternalId);
        var items = ds.ReadItems();
        Assert.Equal(["a", "b"], items[0].Tags);
        Assert.Equal([1f, 2f], items[0].ContentEmbedding!);
        Assert.Null(items[1].ContentEmbedding);
        Assert.Empty(items[1].Tags);
        Assert.Equal(Feedback.Like, ds.Events.ReadAll()[0].Feedback);
    }

    [Fact]
    public void A_dataset_abandoned_before_commit_leaves_no_directory()
    {
        using var dir = new TempDirectory();
        using (var writer = DatasetWriter.Create(dir.Combine("ds")))
            writer.Events.Append(new Interaction(new UserId(0), new ItemId(0), 5, 1, 1, Feedback.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void An_existing_output_is_not_overwritten_unless_asked()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("ds"));
        Assert.Throws<IOException>(() => DatasetWriter.Create(dir.Combine("ds")));
        using var writer = DatasetWriter.Create(dir.Combine("ds"), overwrite: true);
        writer.Commit("test", [], [], []);
        Assert.Equal("test", Dataset.Open(dir.Combine("ds")).Manifest.Source);
    }

    [Fact]
    public void Large_tables_spanning_several_pages_read_back()
    {
        using var dir = new TempDirectory();
        var items = Enumerable.Range(0, 30_000)
            .Select(i => new Item(new ItemId(i), $"video-{i}", new CreatorId(i % 7), i, i, i % 3 == 0 ? "" : "drama", i % 2 == 0 ? [] : ["a", "b"],
                i % 5 == 0 ? null : [i, -i]))
            .ToList();
        using (var writer = DatasetWriter.Create(dir.Combine("ds")))
            writer.Commit("test", [], Enumerable.Range(0, 7).Select(c => new Creator(new CreatorId(c), $"c{c}")).ToList(), items);
        var read = Dataset.Open(dir.Combine("ds")).ReadItems();
        Assert.Equal(30_000, read.Count);
        Assert.Equal("video-29999", read[^1].ExternalId);
        Assert.Equal(["a", "b"], read[29_999].Tags);
        Assert.Null(read[29_995].ContentEmbedding);
        Assert.Equal([29_999f, -29_999f], read[29_999].ContentEmbedding!);
    }
}
