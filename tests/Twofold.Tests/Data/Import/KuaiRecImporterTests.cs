using Twofold.Data;
using Twofold.Data.Import;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data.Import;

public class KuaiRecImporterTests
{
    [Fact]
    public void Imports_the_big_matrix_with_watch_ratio_effective_views_categories_and_creators()
    {
        using var dir = new TempDirectory();
        var ds = KuaiRecImporter.Import(ImportFixtures.Path("kuairec", "good"), dir.Combine("ds")).Dataset;

        Assert.Equal("big_matrix.csv", ds.Manifest.Notes["matrix"]);
        Assert.Equal(4, ds.Manifest.Interactions);
        Assert.Equal("1", ds.Manifest.Notes["rows_without_time (dropped)"]);
        Assert.Equal(["0", "1", "2"], ds.ReadUsers().Select(u => u.ExternalId));
        var items = ds.ReadItems();
        Assert.Equal(["148", "183"], items.Select(i => i.ExternalId));
        Assert.Equal(["3309", "42"], ds.ReadCreators().Select(c => c.ExternalId));
        Assert.Equal(new CreatorId(0), items[0].Creator);
        Assert.Equal(ImportFixtures.BeijingMs(2020, 3, 30), items[0].UploadTimeMs);
        Assert.Equal(6067, items[0].DurationMs);
        Assert.Equal("8", items[0].Genre);
        Assert.Equal(["27", "9"], items[1].Tags);
        Assert.Equal(0, items[1].UploadTimeMs);

        var events = ImportFixtures.EventsByExternalId(ds);
        var (first, extras) = events[("0", "148")];
        Assert.Equal(1593898068378, first.TimeMs);
        Assert.Equal(4381, first.WatchMs);
        Assert.Equal(6067, first.DurationMs);
        Assert.Equal(Feedback.None, first.Feedback);
        Assert.Equal(722, extras["watch_ratio_permille"]);
        // Empty timestamp: the local time column (Beijing); empty time too: the date.
        Assert.Equal(ImportFixtures.BeijingMs(2020, 7, 6, 10), events[("1", "148")].Event.TimeMs);
        Assert.Equal(Feedback.EffectiveView, events[("1", "148")].Event.Feedback);
        Assert.Equal(ImportFixtures.BeijingMs(2020, 7, 7), events[("2", "183")].Event.TimeMs);
        Assert.Equal(Feedback.None, events[("0", "183")].Event.Feedback); // 1.9 < 2.0
    }

    [Fact]
    public void The_small_matrix_can_be_chosen()
    {
        using var dir = new TempDirectory();
        var ds = KuaiRecImporter.Import(ImportFixtures.Path("kuairec", "good"), dir.Combine("ds"), matrix: KuaiRecMatrix.Small).Dataset;
        Assert.Equal(["7"], ds.ReadUsers().Select(u => u.ExternalId));
        Assert.Equal("small_matrix.csv", ds.Manifest.Notes["matrix"]);
    }

    [Fact]
    public void A_malformed_watch_ratio_is_reported_and_nothing_is_written()
    {
        using var dir = new TempDirectory();
        var input = ImportFixtures.Path("kuairec", "malformed");
        var error = Assert.Throws<DataFormatException>(() => KuaiRecImporter.Import(input, dir.Combine("ds")));
        Assert.Equal($"{Path.Combine(input, "small_matrix.csv")}, line 3, column 'watch_ratio': not a number (value 'x')", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));

        var skipped = KuaiRecImporter.Import(input, dir.Combine("ds"), new ImportOptions(SkipInvalid: true));
        Assert.Equal(1, skipped.Dataset.Manifest.Interactions);
        Assert.Equal(1, skipped.Skipped.Total);
    }
}
