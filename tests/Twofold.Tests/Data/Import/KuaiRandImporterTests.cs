using Twofold.Data;
using Twofold.Data.Import;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data.Import;

public class KuaiRandImporterTests
{
    [Fact]
    public void Imports_users_items_creators_and_events_with_feedback_and_extras()
    {
        using var dir = new TempDirectory();
        var result = KuaiRandImporter.Import(ImportFixtures.Path("kuairand", "good"), dir.Combine("ds"));
        var ds = result.Dataset;

        Assert.Equal("kuairand", ds.Manifest.Source);
        Assert.Equal(4, ds.Manifest.Interactions);
        // Listed users first (in file order), then a user seen only in the logs.
        Assert.Equal(["0", "1", "2", "3", "5"], ds.ReadUsers().Select(u => u.ExternalId));
        var items = ds.ReadItems();
        Assert.Equal(["10", "11", "12"], items.Select(i => i.ExternalId)); // 13 is described but never shown: not kept
        var creators = ds.ReadCreators();
        Assert.Equal(["100", "101", ItemTable.UnknownCreatorExternalId], creators.Select(c => c.ExternalId));

        Assert.Equal(new CreatorId(0), items[0].Creator);
        Assert.Equal(ImportFixtures.BeijingMs(2022, 4, 1), items[0].UploadTimeMs);
        Assert.Equal(15000, items[0].DurationMs);
        Assert.Equal("28", items[0].Genre);
        Assert.Equal(["28", "9"], items[0].Tags);
        // Empty upload_dt, video_duration and tag cells are unknown, not errors: the duration falls back to the log's.
        Assert.Equal(new CreatorId(1), items[1].Creator);
        Assert.Equal(0, items[1].UploadTimeMs);
        Assert.Equal(20000, items[1].DurationMs);
        Assert.Equal("", items[1].Genre);
        Assert.Empty(items[1].Tags);
        // Item 12 is in the logs only: the shared unknown creator, recorded in the notes.
        Assert.Equal(new CreatorId(2), items[2].Creator);
        Assert.Equal("2", ds.Manifest.Notes["unknown_creator"]);
        Assert.Equal("1", ds.Manifest.Notes["items_without_creator"]);
        Assert.Equal("1", ds.Manifest.Notes["users_only_in_logs"]);

        var events = ImportFixtures.EventsByExternalId(ds);
        var (first, firstExtras) = events[("0", "10")];
        Assert.Equal(1649412000000, first.TimeMs);
        Assert.Equal(Feedback.Click | Feedback.Like | Feedback.EffectiveView, first.Feedback);
        Assert.Equal(12000, first.WatchMs);
        Assert.Equal(15000, first.DurationMs);

        var (second, secondExtras) = events[("0", "11")];
        Assert.Equal(Feedback.Click | Feedback.Follow | Feedback.Comment | Feedback.Share | Feedback.ProfileVisit, second.Feedback);
        Assert.Equal(new Dictionary<string, int> { ["is_rand"] = 0, ["is_hate"] = 0, ["tab"] = 2, ["profile_stay_time"] = 5, ["comment_stay_time"] = 7 },
            secondExtras);
        Assert.Equal(0, firstExtras["is_rand"]);

        Assert.Equal(1, events[("5", "10")].Extras["is_hate"]);
        Assert.Equal(Feedback.None, events[("5", "10")].Event.Feedback);
        var (random, randomExtras) = events[("1", "12")];
        Assert.Equal(1, randomExtras["is_rand"]);
        Assert.Equal(4, randomExtras["tab"]);
        Assert.Equal(Feedback.Click | Feedback.EffectiveView, random.Feedback);
    }

    [Fact]
    public void A_malformed_row_names_file_line_column_and_value_and_leaves_nothing()
    {
        using var dir = new TempDirectory();
        var input = ImportFixtures.Path("kuairand", "malformed");
        var error = Assert.Throws<DataFormatException>(() => KuaiRandImporter.Import(input, dir.Combine("ds")));

        var file = Path.Combine(input, "log_standard_4_08_to_4_21_pure.csv");
        Assert.Equal($"{file}, line 3, column 'is_like': not a 0/1 flag (value '2')", error.Message);
        Assert.Equal(3, error.Line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Skip_invalid_imports_the_valid_rows_and_counts_the_others_by_reason()
    {
        using var dir = new TempDirectory();
        var input = ImportFixtures.Path("kuairand", "malformed");
        var result = KuaiRandImporter.Import(input, dir.Combine("ds"), new ImportOptions(SkipInvalid: true));

        Assert.Equal(2, result.Dataset.Manifest.Interactions);
        Assert.Equal(6, result.RowsRead);
        Assert.Equal(4, result.Skipped.Total);
        Assert.Equal(new Dictionary<string, long>
        {
            ["column 'is_like': not a 0/1 flag"] = 2,
            ["column 'time_ms': not an integer"] = 1,
            ["expected 19 columns, found 18"] = 1,
        }, result.Skipped.ByReason);
        var file = Path.Combine(input, "log_standard_4_08_to_4_21_pure.csv");
        Assert.Equal($"{file}, line 4: expected 19 columns, found 18 (value '0,12,20220408,1100,1649415600000,1,0,1,1,1,0,0,3000,20000,5,7,1,0')",
            result.Skipped.Examples[1]);
        var notes = result.Dataset.Manifest.Notes;
        Assert.Equal("4", notes["rows_skipped"]);
        Assert.Equal("2", notes["skipped: column 'is_like': not a 0/1 flag"]);
        Assert.Contains("log_standard_4_08_to_4_21_pure.csv (6 rows, 4 skipped)", notes["input_files"]);
        // Rows that failed did not leave users or items behind: user 2 only appears on a skipped row.
        Assert.Equal(["0", "1"], result.Dataset.ReadUsers().Select(u => u.ExternalId));
    }

    [Fact]
    public void A_missing_required_column_is_reported_on_the_header_line()
    {
        using var dir = new TempDirectory();
        var input = ImportFixtures.Path("kuairand", "missing-column");
        var error = Assert.Throws<DataFormatException>(() => KuaiRandImporter.Import(input, dir.Combine("ds"), new ImportOptions(SkipInvalid: true)));
        Assert.Equal(1, error.Line);
        Assert.Equal("is_click", error.Column);
        Assert.StartsWith($"{Path.Combine(input, "log_standard_4_08_to_4_21_pure.csv")}, line 1, column 'is_click': the header has no column 'is_click'", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_directory_without_logs_is_an_error()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => KuaiRandImporter.Import(dir.Path, dir.Combine("ds")));
        Assert.Throws<DirectoryNotFoundException>(() => KuaiRandImporter.Import(dir.Combine("missing"), dir.Combine("ds")));
    }
}
