using System.Diagnostics;
using System.Globalization;
using Twofold.Pipeline;
using Twofold.Simulation;
using Twofold.World;

namespace Twofold.Bench.Simulation;

/// <summary>
/// <c>simulate-bench USERS [warmUpDays=8] [days=2] [sessionLength=50] [work=$TMPDIR/twofold-simbench]</c>: the
/// simulator's throughput. A world of USERS users and USERS/10 creators (mean visit rate 0.3, mean session length 50
/// impressions) is warmed up for <c>warmUpDays</c> days under the world's logging recommender, the default arms (Base
/// and DualRec) train their platforms on it, and <c>days</c> days are simulated. Every phase of every day is printed
/// with its time, the process's working set and the managed heap; the first simulated day (the only one with every
/// phase, the last day having no night) gives the headline figures: wall time of the day, impressions per second per
/// core, and the share of each phase. The platforms' first training uses one two-tower epoch without validation
/// (set-up, not part of the measured day).
/// </summary>
public static class SimulationBench
{
    private static readonly SimulationPhase[] DayPhases =
        [SimulationPhase.Creators, SimulationPhase.Dispatch, SimulationPhase.Feeds, SimulationPhase.Responses, SimulationPhase.Refresh];

    /// <summary>The two-tower model's positives per epoch in the set-up (the ranker's default sample cap).</summary>
    private const int TwoTowerPositives = 400_000;

    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Twofold.Bench simulate-bench USERS [warmUpDays=8] [days=2] [sessionLength=50] [workDir]");
            return 2;
        }
        int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
        var users = Arg(0, 100_000);
        var warmUp = Arg(1, 8);
        var days = Arg(2, 2);
        var session = Arg(3, 50);
        var work = args.Length > 4 ? args[4] : Path.Combine(Path.GetTempPath(), "twofold-simbench");
        var settings = Settings(users, warmUp, days, session);
        var strategies = settings.Arms.Select(StrategyConfig.Named).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulate-bench: {users:N0} users, {settings.World.Creators:N0} creators, mean session {session}, warm-up {warmUp} days, {days} simulated days, arms {string.Join(" vs ", settings.Arms)}, {Environment.ProcessorCount} cores"));
        Console.WriteLine($"load average before: {LoadAverage.Read(5)}");

        var times = new Dictionary<(int Day, SimulationPhase Phase), TimeSpan>();
        var peak = 0L;
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        var stage = Stopwatch.StartNew();
        var shared = new SharedFirstTraining(strategies, work)
        {
            // The set-up's own phases: each line gives the time since the previous one (the first: the dataset snapshot).
            Progress = component =>
            {
                using var self = Process.GetCurrentProcess();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  first training: {component} (previous step {stage.Elapsed.TotalSeconds:F1} s)  working set {self.WorkingSet64 / 1e9:F2} GB  managed heap {GC.GetTotalMemory(false) / 1e9:F2} GB"));
                stage.Restart();
            },
        };
        SimulationResult result;
        try
        {
            result = Simulator.Run(settings.World, settings.WarmUpDays, settings.Days, settings.Arms,
                (arm, context) => new RecommenderPlatform(context, strategies[arm], settings.Platform, Path.Combine(work, $"arm-{arm}"), shared),
                settings.ExposureWindowDays, p =>
                {
                    using var self = Process.GetCurrentProcess();
                    peak = Math.Max(peak, self.PeakWorkingSet64);
                    times[(p.Day, p.Phase)] = p.PhaseTime;
                    if (p.Phase == SimulationPhase.WarmUp) stage.Restart();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{p.Elapsed:hh\\:mm\\:ss}] day {p.Day,3} {p.Phase,-9} {p.PhaseTime.TotalSeconds,8:F1} s  working set {self.WorkingSet64 / 1e9:F2} GB  managed heap {GC.GetTotalMemory(false) / 1e9:F2} GB"));
                }, work);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }

        using (var self = Process.GetCurrentProcess()) peak = Math.Max(peak, self.PeakWorkingSet64);
        for (var d = 0; d < days; d++)
        {
            var impressions = result.Days.Sum(arm => arm[d].Impressions);
            var visitors = result.Days.Sum(arm => arm[d].Visitors);
            var phases = DayPhases.Where(p => times.ContainsKey((d, p))).ToList();
            var wall = phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + times[(d, p)]);
            var shares = string.Join(", ", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.ToString().ToLowerInvariant()} {times[(d, p)].TotalSeconds:F1} s ({times[(d, p)] / wall:P0})")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"day {d + 1}: {visitors:N0} visitors, {impressions:N0} impressions, wall {wall.TotalSeconds:F1} s, " +
                $"{impressions / wall.TotalSeconds / Environment.ProcessorCount:N0} impressions/s/core{(phases.Contains(SimulationPhase.Refresh) ? "" : " (no night after the last day)")}"));
            Console.WriteLine($"  phases: {shares}");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warm-up {(times.Where(t => t.Key.Phase == SimulationPhase.WarmUp).Aggregate(TimeSpan.Zero, (s, t) => s + t.Value)).TotalSeconds:F1} s, " +
            $"training {times[(0, SimulationPhase.Training)].TotalSeconds:F1} s (of which the shared first bundle {shared.TrainingTime.TotalSeconds:F1} s), peak working set {peak / 1e9:F2} GB"));
        Console.WriteLine($"load average after: {LoadAverage.Read(5)}");
        return 0;
    }

    /// <summary>The benchmark's world and platforms (shared with the tools that reproduce its set-up step by step).</summary>
    public static SimulationConfig Settings(int users, int warmUp, int days, int session) => new()
    {
        World = new WorldConfig
        {
            Users = users,
            Creators = Math.Max(1, users / 10),
            Seed = 42,
            Activity = new ActivityConfig { MeanVisitRate = 0.3, MeanSessionLength = session },
        },
        WarmUpDays = warmUp,
        Days = days,
        // Training before the first day is set-up, not the day measured: one two-tower epoch of at most
        // TwoTowerPositives positives (as many as the ranker's impressions) without the held-out recall check, done
        // once for both arms (SharedFirstTraining), keeps it to minutes. The serving models have the default
        // shapes, so the day's work (candidates, ranking, dispatch) is the default run's.
        Platform = new PlatformOptions
        {
            Bundle = new BundleOptions
            {
                TwoTower = new BundleOptions().TwoTower with { Epochs = 1, ValidationDays = 0, MaxPositivesPerEpoch = TwoTowerPositives },
            },
        },
    };

}
