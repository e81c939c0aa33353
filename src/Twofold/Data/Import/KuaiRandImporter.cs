using Twofold.Domain;

namespace Twofold.Data.Import;

/// <summary>
/// Imports KuaiRand (Pure, 1K or 27K; Gao et al., CIKM 2022): the standard and random-exposure logs, the users
/// listed in <c>user_features_*.csv</c> and creators, upload times, durations and tags from
/// <c>video_features_basic_*.csv</c>. Column mapping and choices: docs/data.md.
/// </summary>
public static class KuaiRandImporter
{
    public const string Source = "kuairand";

    /// <summary>Dates in the Kuaishou datasets are Beijing time.</summary>
    public static readonly TimeSpan SourceUtcOffset = TimeSpan.FromHours(8);

    /// <summary>Source signals kept beside the core event columns.</summary>
    public static readonly IReadOnlyList<string> ExtraColumns = ["is_rand", "is_hate", "tab", "profile_stay_time", "comment_stay_time"];

    public static ImportResult Import(string input, string output, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        var directory = InputFiles.RequireDirectory(input);
        var logs = InputFiles.Find(directory, "log_standard_*.csv").Concat(InputFiles.Find(directory, "log_random_*.csv")).ToList();
        if (logs.Count == 0)
            throw new FileNotFoundException($"{directory} holds no KuaiRand logs (log_standard_*.csv or log_random_*.csv, also looked in {InputFiles.DataSubfolder}/).");

        using var run = new ImportRun(Source, output, options, ExtraColumns);
        foreach (var path in InputFiles.Find(directory, "user_features_*.csv")) ReadUsers(run, path);
        var listedUsers = run.Users.Count;
        foreach (var path in logs) ReadLog(run, path);
        var features = InputFiles.Find(directory, "video_features_basic_*.csv");
        foreach (var path in features) ReadVideoFeatures(run, path);

        run.Note("users_listed", listedUsers);
        run.Note("users_only_in_logs", run.Users.Count - listedUsers);
        run.Note("items_without_features", run.Items.CountUndescribed());
        run.Notes["mapping"] = "click=is_click like=is_like follow=is_follow comment=is_comment share=is_forward " +
                               "profile_visit=is_profile_enter effective_view=long_view watch_ms=play_time_ms time=time_ms";
        run.Notes["ignored"] = "user feature columns other than user_id; video_features_statistic_*.csv; log columns date, hourmin";
        return run.Commit();
    }

    private static void ReadUsers(ImportRun run, string path)
    {
        using var file = CsvFile.OpenWithHeader(path);
        var user = file.Require("user_id");
        var columns = file.Columns.Count;
        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            run.Users.GetOrAdd(row.Id(user));
        });
    }

    private static void ReadLog(ImportRun run, string path)
    {
        using var file = CsvFile.OpenWithHeader(path);
        var columns = file.Columns.Count;
        int user = file.Require("user_id"), item = file.Require("video_id"), time = file.Require("time_ms");
        int click = file.Require("is_click"), like = file.Require("is_like"), follow = file.Require("is_follow");
        int comment = file.Require("is_comment"), forward = file.Require("is_forward"), profile = file.Require("is_profile_enter");
        int longView = file.Require("long_view"), play = file.Require("play_time_ms"), duration = file.Require("duration_ms");
        int isRand = file.Require("is_rand"), hate = file.Require("is_hate"), tab = file.Require("tab");
        int profileStay = file.Require("profile_stay_time"), commentStay = file.Require("comment_stay_time");
        var extras = new int[ExtraColumns.Count];

        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            var userId = row.Id(user);
            var itemId = row.Id(item);
            var timeMs = row.Long(time, 0, DateParsing.MaxTimeMs);
            var feedback = Feedback.None;
            if (row.Flag(click)) feedback |= Feedback.Click;
            if (row.Flag(like)) feedback |= Feedback.Like;
            if (row.Flag(follow)) feedback |= Feedback.Follow;
            if (row.Flag(comment)) feedback |= Feedback.Comment;
            if (row.Flag(forward)) feedback |= Feedback.Share;
            if (row.Flag(profile)) feedback |= Feedback.ProfileVisit;
            if (row.Flag(longView)) feedback |= Feedback.EffectiveView;
            var watchMs = row.Int(play);
            var durationMs = row.Int(duration);
            extras[0] = row.Flag(isRand) ? 1 : 0;
            extras[1] = row.Flag(hate) ? 1 : 0;
            extras[2] = row.Int(tab);
            extras[3] = row.Int(profileStay);
            extras[4] = row.Int(commentStay);

            var u = run.Users.GetOrAdd(userId);
            var i = run.Items.GetOrAdd(itemId);
            ref var facts = ref run.Items[i];
            if (facts.DurationMs == 0) facts.DurationMs = durationMs;
            run.Events.Append(new Interaction(new UserId(u), new ItemId(i), timeMs, durationMs, watchMs, feedback), extras);
        });
    }

    private static void ReadVideoFeatures(ImportRun run, string path)
    {
        using var file = CsvFile.OpenWithHeader(path);
        var columns = file.Columns.Count;
        var item = file.Require("video_id");
        var author = file.Require("author_id");
        var upload = file.IndexOf("upload_dt");
        var duration = file.IndexOf("video_duration");
        var tag = file.IndexOf("tag");
        long notInLogs = 0;

        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            // Only items that occur in the logs are kept; the 27K feature table lists millions more.
            if (!run.Items.Ids.TryGet(row.Id(item), out var i))
            {
                notInLogs++;
                return;
            }
            long uploadMs = 0;
            if (upload >= 0 && !row.IsEmpty(upload) && !DateParsing.TryParse(row.Span(upload), SourceUtcOffset, out uploadMs))
                throw row.Fail(upload, "not a date (yyyy-MM-dd)");
            var durationMs = duration >= 0 && !row.IsEmpty(duration) ? row.Int(duration) : 0;
            var tags = tag >= 0 ? SplitTags(row.Span(tag)) : [];

            ref var facts = ref run.Items[i];
            if (facts.Described) return; // the first description of an item wins
            facts.Described = true;
            if (!row.IsEmpty(author)) facts.Creator = run.Items.Creators.GetOrAdd(row.Span(author));
            facts.UploadTimeMs = uploadMs;
            if (durationMs > 0) facts.DurationMs = durationMs;
            facts.Genre = tags.Length > 0 ? tags[0] : "";
            facts.Tags = tags;
        });
        run.Note($"{Path.GetFileName(path)}: rows for items not in the logs (ignored)", notInLogs);
    }

    /// <summary>A KuaiRand tag cell: empty, one tag id, or several separated by commas.</summary>
    internal static string[] SplitTags(ReadOnlySpan<char> cell)
    {
        cell = cell.Trim();
        if (cell.IsEmpty) return [];
        var tags = new List<string>();
        foreach (var range in cell.Split(','))
        {
            var tag = cell[range].Trim();
            if (!tag.IsEmpty) tags.Add(tag.ToString());
        }
        return tags.ToArray();
    }
}
