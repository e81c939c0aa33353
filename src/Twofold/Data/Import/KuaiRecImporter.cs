using System.Globalization;
using Twofold.Domain;

namespace Twofold.Data.Import;

/// <summary>Which KuaiRec interaction matrix to import.</summary>
public enum KuaiRecMatrix
{
    /// <summary><c>big_matrix.csv</c> when present, else <c>small_matrix.csv</c>.</summary>
    Auto,
    /// <summary><c>big_matrix.csv</c>: the sparse matrix of the whole user and item population.</summary>
    Big,
    /// <summary><c>small_matrix.csv</c>: the fully observed 1,411 × 3,327 matrix.</summary>
    Small,
}

/// <summary>
/// Imports KuaiRec (Gao et al., CIKM 2022): one interaction matrix, item categories from
/// <c>item_categories.csv</c> and, when present, creators and upload dates from <c>item_daily_features.csv</c>.
/// KuaiRec records watch time only: like, comment, follow, share, profile visit and click stay false, and an
/// effective view is a watch ratio of at least <see cref="DefaultEffectiveWatchRatio"/>. Details: docs/data.md.
/// </summary>
public static class KuaiRecImporter
{
    public const string Source = "kuairec";

    /// <summary>
    /// Watch ratio (play time / duration) from which a view counts as effective: 2.0, the threshold the KuaiRec
    /// authors use to call an item relevant to a user (the median watch ratio is close to 1, so "watched once" would
    /// mark about half of all views).
    /// </summary>
    public const double DefaultEffectiveWatchRatio = 2.0;

    /// <summary>The watch ratio in thousandths, kept so that other thresholds can be applied later.</summary>
    public static readonly IReadOnlyList<string> ExtraColumns = ["watch_ratio_permille"];

    public static ImportResult Import(string input, string output, ImportOptions? options = null,
        KuaiRecMatrix matrix = KuaiRecMatrix.Auto, double effectiveWatchRatio = DefaultEffectiveWatchRatio)
    {
        options ??= new ImportOptions();
        var directory = InputFiles.RequireDirectory(input);
        var big = InputFiles.FindOne(directory, "big_matrix.csv");
        var small = InputFiles.FindOne(directory, "small_matrix.csv");
        var path = matrix switch
        {
            KuaiRecMatrix.Big => big ?? throw new FileNotFoundException($"{directory} holds no big_matrix.csv (also looked in {InputFiles.DataSubfolder}/)."),
            KuaiRecMatrix.Small => small ?? throw new FileNotFoundException($"{directory} holds no small_matrix.csv (also looked in {InputFiles.DataSubfolder}/)."),
            _ => big ?? small ?? throw new FileNotFoundException($"{directory} holds no big_matrix.csv or small_matrix.csv (also looked in {InputFiles.DataSubfolder}/)."),
        };

        using var run = new ImportRun(Source, output, options, ExtraColumns);
        var withoutTime = ReadMatrix(run, path, effectiveWatchRatio);
        if (InputFiles.FindOne(directory, "item_categories.csv") is { } categories) ReadCategories(run, categories);
        if (InputFiles.FindOne(directory, "item_daily_features.csv") is { } daily) ReadDailyFeatures(run, daily);

        run.Notes["matrix"] = Path.GetFileName(path);
        run.Notes["effective_view"] = $"watch_ratio >= {effectiveWatchRatio.ToString(CultureInfo.InvariantCulture)}";
        run.Notes["mapping"] = "watch_ms=play_duration duration_ms=video_duration time=timestamp (else time, else date, Beijing time); " +
                               "click, like, comment, follow, share, profile_visit are not recorded by KuaiRec and stay false";
        run.Note("rows_without_time (dropped)", withoutTime);
        run.Note("items_without_features", run.Items.CountUndescribed());
        return run.Commit();
    }

    private static long ReadMatrix(ImportRun run, string path, double effectiveWatchRatio)
    {
        using var file = CsvFile.OpenWithHeader(path);
        var columns = file.Columns.Count;
        int user = file.Require("user_id"), item = file.Require("video_id"), play = file.Require("play_duration");
        int duration = file.Require("video_duration"), ratio = file.Require("watch_ratio");
        int timestamp = file.Require("timestamp"), time = file.IndexOf("time"), date = file.IndexOf("date");
        var extras = new int[1];
        long withoutTime = 0;

        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            var userId = row.Id(user);
            var itemId = row.Id(item);
            var watchMs = row.Int(play);
            var durationMs = row.Int(duration);
            var watchRatio = row.Double(ratio, 0);
            long timeMs;
            if (!row.IsEmpty(timestamp))
            {
                timeMs = (long)Math.Round(row.Double(timestamp, 0, DateParsing.MaxTimeMs / 1000.0) * 1000);
            }
            else if (time >= 0 && !row.IsEmpty(time))
            {
                if (!DateParsing.TryParse(row.Span(time), KuaiRandImporter.SourceUtcOffset, out timeMs))
                    throw row.Fail(time, "not a date-time (yyyy-MM-dd HH:mm:ss.fff)");
            }
            else if (date >= 0 && !row.IsEmpty(date))
            {
                if (!DateParsing.TryParse(row.Span(date), KuaiRandImporter.SourceUtcOffset, out timeMs))
                    throw row.Fail(date, "not a date (yyyyMMdd)");
            }
            else
            {
                // Without any time the view cannot be placed in the day-partitioned log: dropped and counted.
                withoutTime++;
                return;
            }

            var u = run.Users.GetOrAdd(userId);
            var i = run.Items.GetOrAdd(itemId);
            ref var facts = ref run.Items[i];
            if (facts.DurationMs == 0) facts.DurationMs = durationMs;
            extras[0] = (int)Math.Min(int.MaxValue, Math.Round(watchRatio * 1000));
            var feedback = watchRatio >= effectiveWatchRatio ? Feedback.EffectiveView : Feedback.None;
            run.Events.Append(new Interaction(new UserId(u), new ItemId(i), timeMs, durationMs, watchMs, feedback), extras);
        });
        return withoutTime;
    }

    private static void ReadCategories(ImportRun run, string path)
    {
        using var file = CsvFile.OpenWithHeader(path);
        var columns = file.Columns.Count;
        var item = file.Require("video_id");
        var feat = file.Require("feat");
        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            var itemId = row.Id(item);
            var tags = ParseCategoryList(row, feat);
            if (!run.Items.Ids.TryGet(itemId, out var i)) return;
            ref var facts = ref run.Items[i];
            facts.Genre = tags.Length > 0 ? tags[0] : "";
            facts.Tags = tags;
            facts.Described = true;
        });
    }

    /// <summary>A <c>feat</c> cell: a list of category numbers such as <c>[8]</c> or <c>[27, 9]</c>.</summary>
    private static string[] ParseCategoryList(in CsvRow row, int column)
    {
        var cell = row.Span(column).Trim();
        if (cell.Length < 2 || cell[0] != '[' || cell[^1] != ']') throw row.Fail(column, "not a category list like [27, 9]");
        var inner = cell[1..^1];
        var tags = new List<string>();
        foreach (var range in inner.Split(','))
        {
            var tag = inner[range].Trim();
            if (tag.IsEmpty && inner.Trim().IsEmpty) break;
            if (!int.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw row.Fail(column, "not a category list like [27, 9]");
            tags.Add(tag.ToString());
        }
        return tags.ToArray();
    }

    private static void ReadDailyFeatures(ImportRun run, string path)
    {
        using var file = CsvFile.OpenWithHeader(path);
        var columns = file.Columns.Count;
        var item = file.Require("video_id");
        var author = file.Require("author_id");
        var upload = file.IndexOf("upload_dt");
        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            if (!run.Items.Ids.TryGet(row.Id(item), out var i)) return;
            long uploadMs = 0;
            if (upload >= 0 && !row.IsEmpty(upload) && !DateParsing.TryParse(row.Span(upload), KuaiRandImporter.SourceUtcOffset, out uploadMs))
                throw row.Fail(upload, "not a date (yyyy-MM-dd)");
            ref var facts = ref run.Items[i];
            // One row per item and day: the first row that names an author or upload date sets it.
            if (facts.Creator < 0 && !row.IsEmpty(author)) facts.Creator = run.Items.Creators.GetOrAdd(row.Span(author));
            if (facts.UploadTimeMs == 0) facts.UploadTimeMs = uploadMs;
        });
    }
}
