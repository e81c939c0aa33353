using System.Globalization;
using System.Net;
using System.Text;

namespace Twofold.Simulation;

/// <summary>
/// The self-contained HTML report of a run (<c>report.html</c>): the arms' figures and the comparisons with their
/// intervals as tables, and charts of new-item coverage, daily active creators and hit rate over the days, the |D_u|
/// histograms and the exposure shares by retrieval source.
/// </summary>
public static class SimulationReport
{
    /// <param name="seeds">With repeated seeds: the comparisons across seeds, shown first; the rest of the page is the first seed's run.</param>
    public static string Html(SimulationConfig config, SimulationResult result, SimulationSummary summary, SeedSummary? seeds = null)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Twofold simulation</title><style>")
            .Append("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}")
            .Append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}")
            .Append(".sig{font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:1em}</style></head><body>");
        html.Append("<h1>Twofold simulation</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p>{config.World.Users:N0} users, {config.World.Creators:N0} creators, seed {config.World.Seed}; {config.WarmUpDays} warm-up days, {config.Days} simulated days; co-diverted arms: {E(string.Join(", ", config.Arms))} (the first is the control).</p>");

        if (seeds is not null)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<h2>Changes against the control arm across {seeds.Seeds.Count} seeds</h2><p>Seeds {E(string.Join(", ", seeds.Seeds))}: each a new world, arm assignment and platform training. Mean of the seeds' relative changes and its 95% Student-t interval; bold rows exclude 0. The sections below are the run of seed {seeds.Seeds[0]}; every seed's own report is in its <code>seed-&lt;n&gt;/</code> folder.</p>");
            html.Append("<table><tr><th>metric</th><th>arm</th><th>per seed</th><th>mean</th><th>interval</th></tr>");
            foreach (var c in seeds.AcrossSeeds)
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr{(c.Significant ? " class=\"sig\"" : "")}><td>{E(c.Metric)}</td><td>{E(c.Treatment)}</td><td>{E(string.Join(" ", c.Changes.Select(Signed)))}</td><td>{Signed(c.Mean)}</td><td>[{Signed(c.Lower)}, {Signed(c.Upper)}]</td></tr>");
            html.Append("</table>");
        }

        html.Append("<h2>Arms</h2><table><tr><th>metric</th>");
        foreach (var arm in summary.Arms) html.Append("<th>").Append(E(arm.Arm)).Append("</th>");
        html.Append("</tr>");
        void Row(string name, Func<ArmSummary, string> value)
        {
            html.Append("<tr><td>").Append(E(name)).Append("</td>");
            foreach (var arm in summary.Arms) html.Append("<td>").Append(E(value(arm))).Append("</td>");
            html.Append("</tr>");
        }
        for (var k = 0; k < summary.Thresholds.Count; k++)
        {
            var index = k;
            Row($"ExpoReach-{summary.Thresholds[k]} (share of new items, {result.ExposureWindowDays}-day window)", a => P(a.ExpoReach[index]));
        }
        Row("daily active creators", a => F(a.DailyActiveCreators));
        Row("new-item coverage (same day)", a => P(a.NewItemCoverage));
        Row("creator-side matches", a => a.Dispatched.ToString("N0", CultureInfo.InvariantCulture));
        Row("hit rate of matched users", a => a.Dispatched == 0 ? "-" : P(a.HitRate));
        if (summary.Arms.Any(a => a.UserSideRetrievalCoverage is not null || a.CreatorSideMatchCoverage is not null))
        {
            Row("new items retrieved by the user-side two-tower, restricted to new items (Figure 8)", a => a.UserSideRetrievalCoverage is { } c ? P(c) : "-");
            Row("new items matched to at least one user by the creator side (Figure 8)", a => a.CreatorSideMatchCoverage is { } c ? P(c) : "-");
        }
        Row("daily active users", a => F(a.DailyActiveUsers));
        Row("watch seconds per active user", a => F(a.WatchSecondsPerActiveUser));
        Row("likes per active user", a => a.LikesPerActiveUser.ToString("F3", CultureInfo.InvariantCulture));
        html.Append("</table>");

        html.Append("<h2>Changes against the control arm (95% bootstrap intervals)</h2><table><tr><th>metric</th><th>arm</th><th>control</th><th>treatment</th><th>change</th><th>interval</th></tr>");
        foreach (var c in summary.Comparisons)
            html.Append(CultureInfo.InvariantCulture,
                $"<tr{(c.Difference.Significant ? " class=\"sig\"" : "")}><td>{E(c.Metric)}</td><td>{E(c.Treatment)}</td><td>{c.Difference.Control:0.###}</td><td>{c.Difference.Treatment:0.###}</td><td>{Signed(c.Difference.RelativeChange)}</td><td>[{Signed(c.Difference.Lower)}, {Signed(c.Difference.Upper)}]</td></tr>");
        html.Append("</table><p>Bold rows: the interval excludes 0.</p><p>").Append(E(SimulationSummary.SplitCaveat)).Append("</p>");

        html.Append("<h2>Over the days</h2><div class=\"charts\">");
        html.Append(SvgChart.Lines("New-item coverage (same day)", Series(result, d => d.NewItemCoverage), "share"));
        html.Append(SvgChart.Lines("Daily active creators", Series(result, d => d.ActiveCreators), "creators"));
        html.Append(SvgChart.Lines("Hit rate of matched users", Series(result, d => d.HitRate), "share"));
        html.Append(SvgChart.Lines("Watch seconds per active user", Series(result, d => d.WatchSecondsPerActiveUser), "seconds"));
        html.Append("</div>");

        html.Append("<h2>Matches per user and exposure by source</h2><div class=\"charts\">");
        var bins = result.Days[0][0].MatchedPerUser.Count;
        var histogram = result.Arms.Select((arm, a) => (arm, (IReadOnlyList<double>)Enumerable.Range(1, bins - 1)
            .Select(b => result.Days[a].Average(d => (double)d.MatchedPerUser[b])).ToList())).ToList();
        html.Append(SvgChart.Bars("|D_u|: users per day holding n matches (n ≥ 1)", Enumerable.Range(1, bins - 1)
            .Select(b => b == bins - 1 ? $"{b}+" : b.ToString(CultureInfo.InvariantCulture)).ToList(), histogram, "users"));
        var sources = summary.Arms.SelectMany(a => a.ExposureShareBySource.Keys).Distinct().Order().ToList();
        html.Append(SvgChart.Bars("Share of impressions by retrieval source", sources,
            summary.Arms.Select(a => (a.Arm, (IReadOnlyList<double>)sources.Select(s => a.ExposureShareBySource.GetValueOrDefault(s)).ToList())).ToList(), "share"));
        html.Append("</div></body></html>");
        return html.ToString();
    }

    private static List<(string Name, IReadOnlyList<double> Values)> Series(SimulationResult result, Func<Evaluation.ArmDayMetrics, double> value) =>
        result.Arms.Select((arm, a) => (arm, (IReadOnlyList<double>)result.Days[a].Select(value).ToList())).ToList();

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string P(double value) => value.ToString("0.0%", CultureInfo.InvariantCulture);

    private static string Signed(double value) => double.IsFinite(value) ? value.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture) : "-";

    private static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
}
