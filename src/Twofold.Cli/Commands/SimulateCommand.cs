using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Twofold.Data;
using Twofold.Simulation;

namespace Twofold.Cli.Commands;

/// <summary>
/// <c>twofold simulate</c>: the main job. Runs the ecosystem simulator with co-diverted arms (by default Base against
/// DualRec on the embedded configuration), prints the summary with confidence intervals and writes the metrics.
/// </summary>
public static class SimulateCommand
{
    public const string DefaultOutput = "out/simulate";

    public static Command Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = $"A simulation config JSON file (see docs/simulation.md) or a named config ({string.Join(", ", NamedConfigs.Names)}); the embedded default otherwise.",
        };
        var output = new Option<string>("--out")
        {
            Description = $"Directory for the run's output; its files are replaced on every run (default {DefaultOutput}).",
            DefaultValueFactory = _ => DefaultOutput,
        };
        var seeds = new Option<int?>("--seeds")
        {
            Description = "Run the experiment under this many seeds (the config's seed, +1, +2, …) and add intervals across seeds; overrides the config's seeds.",
        };
        var command = new Command("simulate", "Run the ecosystem simulator: co-diverted arms, daily metrics, comparisons with 95% intervals.");
        command.Options.Add(config);
        command.Options.Add(output);
        command.Options.Add(seeds);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var path = parse.GetValue(config);
            var settings = path is null ? new SimulationConfig() : NamedConfigs.Load(path);
            if (parse.GetValue(seeds) is { } n) settings = settings with { Seeds = n };
            settings.Validate();
            var directory = parse.GetValue(output)!;
            Directory.CreateDirectory(directory);
            if (settings.Seeds == 1)
            {
                var (result, coverage) = RunOne(settings, directory);
                var summary = SimulationSummary.From(result, coverage: coverage);
                Print(summary);
                Write(directory, settings, result, summary);
            }
            else
            {
                SimulationResult? firstResult = null;
                var runs = new List<SimulationSummary>();
                var seedList = new List<long>();
                for (var k = 0; k < settings.Seeds; k++)
                {
                    var run = settings.ForSeed(k);
                    Console.WriteLine($"seed {run.World.Seed} ({k + 1} of {settings.Seeds})");
                    var seedDirectory = Path.Combine(directory, $"seed-{run.World.Seed}");
                    Directory.CreateDirectory(seedDirectory);
                    var (result, coverage) = RunOne(run, seedDirectory);
                    var summary = SimulationSummary.From(result, coverage: coverage);
                    Print(summary);
                    Write(seedDirectory, run, result, summary);
                    firstResult ??= result;
                    runs.Add(summary);
                    seedList.Add(run.World.Seed);
                }
                var across = SeedSummary.From(seedList, runs);
                Print(across);
                AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), settings.ToJson());
                AtomicFile.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(across, JsonDefaults.Indented));
                AtomicFile.WriteAllText(Path.Combine(directory, "report.html"), SimulationReport.Html(settings.ForSeed(0), firstResult!, runs[0], across));
            }
            Console.WriteLine($"metrics written to {Path.GetFullPath(directory)}");
            return 0;
        }));
        return command;
    }

    /// <summary>One run of the experiment; the platforms' working files go under <paramref name="directory"/>/work and are removed after.</summary>
    private static (SimulationResult Result, IReadOnlyList<IReadOnlyList<RetrievalCoverageDay>> Coverage) RunOne(SimulationConfig settings, string directory)
    {
        var strategies = settings.Arms.Select(StrategyConfig.Named).ToList();
        var work = Path.Combine(directory, "work");
        var platforms = new RecommenderPlatform[settings.Arms.Count];
        // Every arm starts from the same warm-up history: its first bundle is trained once (SharedFirstTraining).
        var shared = new SharedFirstTraining(strategies, work);
        SimulationResult Run(Action<SimulationProgress> progress) => Simulator.Run(settings.World, settings.WarmUpDays, settings.Days, settings.Arms,
            (arm, context) => platforms[arm] = new RecommenderPlatform(context, strategies[arm], settings.Platform, Path.Combine(work, $"arm-{arm}"), shared),
            settings.ExposureWindowDays, progress, work);
        var result = AnsiConsole.Profile.Capabilities.Interactive ? WithProgressBars(settings, Run) : Run(Progress(settings));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        return (result, platforms.Select(p => p.Coverage).ToList());
    }

    /// <summary>On a terminal: a bar over the days, and one over the phases of the current day.</summary>
    private static SimulationResult WithProgressBars(SimulationConfig settings, Func<Action<SimulationProgress>, SimulationResult> run)
    {
        SimulationResult? result = null;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var days = context.AddTask($"warm-up ({settings.WarmUpDays} days) and training", maxValue: settings.Days);
                var phases = context.AddTask("phase", maxValue: SimulationPhase.Refresh - SimulationPhase.Training);
                result = run(p =>
                {
                    if (p.Phase is SimulationPhase.WarmUp or SimulationPhase.Training) return;
                    days.Description = string.Create(CultureInfo.InvariantCulture, $"day {p.Day + 1} of {p.Days}");
                    phases.Value = p.Phase - SimulationPhase.Training;
                    phases.Description = p.Phase switch
                    {
                        SimulationPhase.Creators => "creators posted; dispatching",
                        SimulationPhase.Dispatch => "dispatched; serving feeds",
                        SimulationPhase.Feeds => "feeds served; drawing responses",
                        SimulationPhase.Responses => "responses drawn; refreshing",
                        _ => "refreshed",
                    };
                    if (p.Phase == SimulationPhase.Refresh) days.Value = p.Day + 1;
                });
                days.Value = settings.Days;
                phases.Value = phases.MaxValue;
            });
        return result!;
    }

    private static Action<SimulationProgress> Progress(SimulationConfig settings) => p =>
    {
        if (p.Phase == SimulationPhase.WarmUp && p.Day != -1) return;
        if (p.Phase is SimulationPhase.WarmUp or SimulationPhase.Refresh)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{p.Elapsed:hh\\:mm\\:ss}] {(p.Phase == SimulationPhase.WarmUp ? $"warm-up done ({settings.WarmUpDays} days)" : $"day {p.Day + 1}/{p.Days} done")}"));
    };

    private static void Print(SimulationSummary summary)
    {
        var arms = new Table().Border(TableBorder.Rounded).Title("arms").AddColumn("metric");
        foreach (var arm in summary.Arms) arms.AddColumn(new TableColumn(Markup.Escape(arm.Arm)).RightAligned());
        void Row(string name, Func<ArmSummary, string> value) => arms.AddRow([name, .. summary.Arms.Select(value)]);
        for (var k = 0; k < summary.Thresholds.Count; k++)
        {
            var index = k;
            Row($"ExpoReach-{summary.Thresholds[k]} (share of new items)", a => Share(a.ExpoReach[index]));
        }
        Row("daily active creators", a => F(a.DailyActiveCreators, 1));
        Row("new-item coverage (same day)", a => Share(a.NewItemCoverage));
        Row("creator-side matches", a => a.Dispatched.ToString("N0", CultureInfo.InvariantCulture));
        Row("hit rate of matched users", a => a.Dispatched == 0 ? "-" : Share(a.HitRate));
        if (summary.Arms.Any(a => a.UserSideRetrievalCoverage is not null || a.CreatorSideMatchCoverage is not null))
        {
            Row("new items retrieved user-side (Fig. 8)", a => a.UserSideRetrievalCoverage is { } c ? Share(c) : "-");
            Row("new items matched creator-side (Fig. 8)", a => a.CreatorSideMatchCoverage is { } c ? Share(c) : "-");
        }
        Row("daily active users", a => F(a.DailyActiveUsers, 1));
        Row("watch seconds per active user", a => F(a.WatchSecondsPerActiveUser, 1));
        Row("likes per active user", a => F(a.LikesPerActiveUser, 3));
        AnsiConsole.Write(arms);

        var changes = new Table().Border(TableBorder.Rounded).Title("change against the control arm (95% bootstrap interval)")
            .AddColumn("metric").AddColumn("arm").AddColumn(new TableColumn("change").RightAligned()).AddColumn(new TableColumn("interval").RightAligned()).AddColumn("");
        foreach (var c in summary.Comparisons)
            changes.AddRow(Markup.Escape(c.Metric), Markup.Escape(c.Treatment), P(c.Difference.RelativeChange),
                Markup.Escape($"[{P(c.Difference.Lower)}, {P(c.Difference.Upper)}]"), c.Difference.Significant ? "significant" : "");
        AnsiConsole.Write(changes);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(SimulationSummary.SplitCaveat)}[/]");
    }

    private static void Print(SeedSummary across)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"change against the control arm across {across.Seeds.Count} seeds ({string.Join(", ", across.Seeds)}): mean and 95% t-interval"))
            .AddColumn("metric").AddColumn("arm").AddColumn(new TableColumn("per seed").RightAligned()).AddColumn(new TableColumn("mean").RightAligned())
            .AddColumn(new TableColumn("interval").RightAligned()).AddColumn("");
        foreach (var c in across.AcrossSeeds)
            table.AddRow(Markup.Escape(c.Metric), Markup.Escape(c.Treatment), string.Join(" ", c.Changes.Select(P)), P(c.Mean),
                Markup.Escape($"[{P(c.Lower)}, {P(c.Upper)}]"), c.Significant ? "significant" : "");
        AnsiConsole.Write(table);
    }

    private static void Write(string directory, SimulationConfig settings, SimulationResult result, SimulationSummary summary)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), settings.ToJson());
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, JsonDefaults.Indented));
        var days = result.Arms.Select((arm, a) => new { arm, days = result.Days[a] });
        AtomicFile.WriteAllText(Path.Combine(directory, "days.json"), JsonSerializer.Serialize(days, JsonDefaults.Indented));
        MetricsTable.Write(Path.Combine(directory, "days.parquet"), result);
        AtomicFile.WriteAllText(Path.Combine(directory, "report.html"), SimulationReport.Html(settings, result, summary));
    }

    private static string P(double value) => double.IsFinite(value) ? value.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture) : "-";

    private static string Share(double value) => value.ToString("0.0%", CultureInfo.InvariantCulture);

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
