using System.Diagnostics;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Evaluation;
using Twofold.Retrieval;
using Twofold.World;

namespace Twofold.Simulation;

/// <summary>
/// The ecosystem loop. A world is warmed up for some days under its logging recommender (the history a platform
/// starts from); then each simulated day: creators post, each arm's platform matches its new items to users,
/// visitors are served by their arm's platform and respond through the world's response model, creators take in
/// what they received, platforms refresh at night, and metrics are recorded per arm. Arms are co-diverted: an arm's
/// users see only its creators' items (<see cref="ArmAssignment"/>).
/// </summary>
/// <remarks>Deterministic for a seed: agents draw from their own random streams and are processed in id order.</remarks>
public static class Simulator
{
    private const long MsPerHour = 3_600_000L;
    private const long MsPerDay = 86_400_000L;
    private const int HistogramTop = 20;

    /// <summary>Visitors whose feeds are built before their responses are drawn.</summary>
    private const int VisitorChunk = 1024;

    /// <param name="platforms">Builds arm a's platform from the warm-up history, the world and the arm's item filter.</param>
    /// <param name="workDirectory">Where the warm-up's event log is written (deleted at the end); a temporary directory when null.</param>
    public static SimulationResult Run(WorldConfig world, int warmUpDays, int days, IReadOnlyList<string> arms,
        Func<int, PlatformContext, IArmPlatform> platforms, int exposureWindowDays = 3, Action<SimulationProgress>? progress = null,
        string? workDirectory = null)
    {
        if (warmUpDays < 1) throw new ArgumentOutOfRangeException(nameof(warmUpDays), warmUpDays, "Platforms need at least one day of history.");
        if (days < 1) throw new ArgumentOutOfRangeException(nameof(days), days, "Simulate at least one day.");
        if (exposureWindowDays < 1) throw new ArgumentOutOfRangeException(nameof(exposureWindowDays), exposureWindowDays, "The ExpoReach window is at least one day.");
        var config = world with { Days = warmUpDays + days };
        config.Validate();
        var clock = new PhaseClock();
        var behaviour = CreatorBehaviours.Create(config);
        var state = WorldGenerator.CreateState(config, behaviour);
        var assignment = new ArmAssignment(config.Users, config.Creators, arms.Count, config.Seed);

        // Warm-up: the world's own logging recommender produces the history every platform starts from, written to an
        // event log on disk (it is the largest thing a run holds: warm-up days x visitors x session length).
        var warmUpLog = Path.Combine(workDirectory ?? Path.GetTempPath(), $"twofold-warm-up-{Guid.NewGuid():N}");
        try
        {
            var logging = new LoggingRecommender(config.Recommender);
            var buffer = new List<Interaction>();
            using (var writer = EventLogWriter.Open(warmUpLog))
            {
                for (var day = 0; day < warmUpDays; day++)
                {
                    BeginDay(state, behaviour, day);
                    logging.Prepare(state);
                    for (var u = 0; u < config.Users; u++)
                    {
                        if (!state.Visited[u]) continue;
                        buffer.Clear();
                        WorldGenerator.Serve(state, logging, u, buffer);
                        foreach (var interaction in buffer) writer.Append(interaction);
                    }
                    EndDay(state, behaviour, config);
                    Report(progress, day - warmUpDays, days, SimulationPhase.WarmUp, clock);
                }
                writer.Complete();
            }
            return RunArms(state, behaviour, config, assignment, arms, EventLog.Open(warmUpLog), platforms, warmUpDays, days, exposureWindowDays, progress, clock);
        }
        finally
        {
            if (Directory.Exists(warmUpLog)) Directory.Delete(warmUpLog, recursive: true);
        }
    }

    private static SimulationResult RunArms(WorldState state, ICreatorBehaviour behaviour, WorldConfig config, ArmAssignment assignment,
        IReadOnlyList<string> names, EventLog history, Func<int, PlatformContext, IArmPlatform> platforms, int warmUpDays, int days, int exposureWindowDays,
        Action<SimulationProgress>? progress, PhaseClock clock)
    {
        var arms = names.Count;
        var result = new SimulationResult(names, exposureWindowDays);
        var platformsOfArm = new IArmPlatform[arms];
        try
        {
            for (var a = 0; a < arms; a++)
                platformsOfArm[a] = platforms(a, new PlatformContext(state, assignment, a, history));
            Report(progress, 0, days, SimulationPhase.Training, clock);
            Run(state, behaviour, config, assignment, platformsOfArm, warmUpDays, days, result, progress, clock);
        }
        finally
        {
            foreach (var platform in platformsOfArm) platform?.Dispose();
        }
        return result;
    }

    private static void Run(WorldState state, ICreatorBehaviour behaviour, WorldConfig config, ArmAssignment assignment,
        IArmPlatform[] platforms, int warmUpDays, int days, SimulationResult result, Action<SimulationProgress>? progress, PhaseClock clock)
    {
        var arms = platforms.Length;
        // Arm membership is fixed for the run: list each arm's creators and count its users once.
        var armCreators = Enumerable.Range(0, arms).Select(a => assignment.CreatorsOf(a).ToArray()).ToArray();
        var armUsers = Enumerable.Range(0, arms).Select(a => assignment.UsersOf(a).Count()).ToArray();
        var firstNewItem = state.Items.Count;
        var windowExposures = new List<int>();
        var creatorLikes = new long[config.Creators];
        var creatorComments = new long[config.Creators];
        var creatorFollows = new long[config.Creators];
        var creatorPosts = new int[config.Creators];
        var creatorActiveDays = new int[config.Creators];
        var userActiveDays = new int[config.Users];
        var userWatch = new double[config.Users];
        var userLikes = new long[config.Users];

        for (var d = 0; d < days; d++)
        {
            var day = warmUpDays + d;
            var itemsBefore = state.Items.Count;
            BeginDay(state, behaviour, day);
            Report(progress, d, days, SimulationPhase.Creators, clock);

            var newItems = Enumerable.Range(0, arms).Select(_ => new List<int>()).ToArray();
            for (var i = itemsBefore; i < state.Items.Count; i++) newItems[assignment.CreatorArm(state.Items.Creator[i])].Add(i);
            while (windowExposures.Count < state.Items.Count - firstNewItem) windowExposures.Add(0);
            var matches = new IReadOnlyList<(int User, int Item)>[arms];
            for (var a = 0; a < arms; a++) matches[a] = platforms[a].StartDay(d, newItems[a]);
            Report(progress, d, days, SimulationPhase.Dispatch, clock);

            var day_ = new DayTally[arms];
            var impressions = new InteractionBatch[arms];
            for (var a = 0; a < arms; a++)
            {
                day_[a] = new DayTally();
                impressions[a] = new InteractionBatch([], 1024);
            }
            var exposedToday = new HashSet<int>();
            var dayEnd = state.DayStartMs + MsPerDay - 1;
            long feedTicks = 0, responseTicks = 0;
            // Visitors in id order, a chunk at a time: first every feed of the chunk, then the responses to them. A feed
            // never depends on a response of the same day (platforms learn at night), so the order of draws per user and
            // of the tallies is the one of serving each visitor in turn.
            var visitors = new List<int>(VisitorChunk);
            var feeds = new IReadOnlyList<FeedEntry>[VisitorChunk];
            var rngs = new WorldRandom[VisitorChunk];
            var starts = new long[VisitorChunk];
            var lengths = new int[VisitorChunk];
            var armVisitors = Enumerable.Range(0, arms).Select(_ => new List<int>(VisitorChunk)).ToArray();
            for (var first = 0; first < config.Users;)
            {
                visitors.Clear();
                for (; first < config.Users && visitors.Count < VisitorChunk; first++)
                    if (state.Visited[first]) visitors.Add(first);
                var mark = Stopwatch.GetTimestamp();
                for (var a = 0; a < arms; a++) armVisitors[a].Clear();
                for (var v = 0; v < visitors.Count; v++)
                {
                    var u = visitors[v];
                    var rng = new WorldRandom(config.Seed, WorldRandom.Purpose.Feed, u, day);
                    lengths[v] = 1 + rng.Poisson(state.Users.SessionMean[u] - 1, 200);
                    starts[v] = state.DayStartMs + (long)(Math.Clamp(state.Users.StartHour[u] + rng.Normal(), 6.0, 23.5) * MsPerHour);
                    rngs[v] = rng;
                    armVisitors[assignment.UserArm(u)].Add(v);
                }
                // Each arm's platform serves its visitors of the chunk as one batch.
                for (var a = 0; a < arms; a++)
                {
                    var positions = armVisitors[a];
                    if (positions.Count == 0) continue;
                    var batchUsers = positions.Select(v => visitors[v]).ToArray();
                    var batchLengths = positions.Select(v => lengths[v]).ToArray();
                    var served = platforms[a].Feeds(d, batchUsers, batchLengths);
                    for (var p = 0; p < positions.Count; p++) feeds[positions[p]] = served[p];
                }
                var responding = Stopwatch.GetTimestamp();
                feedTicks += responding - mark;
                for (var v = 0; v < visitors.Count; v++)
                {
                    var u = visitors[v];
                    var a = assignment.UserArm(u);
                    var tally = day_[a];
                    tally.Visitors++;
                    userActiveDays[u]++;
                    ref var rng = ref rngs[v];
                    var time = starts[v];
                    foreach (var entry in feeds[v])
                    {
                        var item = entry.Item;
                        if (assignment.CreatorArm(state.Items.Creator[item]) != a)
                            throw new InvalidOperationException($"Arm {a}'s platform showed item {item} of another arm's creator to user {u}.");
                        var feedback = state.Responses.Sample(u, item, ref rng, out var watch);
                        impressions[a].Add(new Interaction(new UserId(u), new ItemId(item), Math.Min(time, dayEnd), state.Items.DurationMs[item], watch, feedback));
                        time += watch + 1_000 + rng.NextInt(3_000);
                        tally.Count(entry.Source, watch, feedback);
                        userWatch[u] += watch / 1000.0;
                        state.ExposureArray[item]++;
                        if ((feedback & Feedback.Click) != 0) state.ClicksTodayArray[item]++;
                        if ((feedback & Feedback.Like) != 0)
                        {
                            state.LikesTodayArray[item]++;
                            userLikes[u]++;
                            creatorLikes[state.Items.Creator[item]]++;
                        }
                        if ((feedback & Feedback.Comment) != 0)
                        {
                            state.CommentsTodayArray[item]++;
                            creatorComments[state.Items.Creator[item]]++;
                        }
                        if ((feedback & Feedback.Follow) != 0) creatorFollows[state.Items.Creator[item]]++;
                        if (item >= firstNewItem && day - state.Items.UploadDay[item] < result.ExposureWindowDays) windowExposures[item - firstNewItem]++;
                        if (item >= itemsBefore) exposedToday.Add(item);
                    }
                    feeds[v] = [];
                }
                responseTicks += Stopwatch.GetTimestamp() - responding;
            }
            Report(progress, d, days, SimulationPhase.Feeds, clock, Stopwatch.GetElapsedTime(0, feedTicks));
            Report(progress, d, days, SimulationPhase.Responses, clock, Stopwatch.GetElapsedTime(0, responseTicks));

            for (var c = 0; c < config.Creators; c++)
            {
                creatorPosts[c] += state.CreatorPostsToday[c];
                if (state.CreatorPostsToday[c] > 0) creatorActiveDays[c]++;
            }
            for (var a = 0; a < arms; a++)
            {
                var histogram = new long[HistogramTop + 1];
                foreach (var count in matches[a].GroupBy(m => m.User).Select(g => g.Count())) histogram[Math.Min(count, HistogramTop)]++;
                histogram[0] = armUsers[a] - histogram.Skip(1).Sum();
                var tally = day_[a];
                result.Days[a].Add(new ArmDayMetrics(d, armUsers[a], tally.Visitors, tally.Impressions, tally.WatchSeconds,
                    tally.Likes, tally.Comments, tally.Follows, newItems[a].Count, newItems[a].Count(exposedToday.Contains),
                    armCreators[a].Count(c => state.CreatorPostsToday[c] > 0), matches[a].Count, matches[a].Count(m => state.Visited[m.User]),
                    tally.BySource, histogram));
            }

            EndDay(state, behaviour, config);
            // No night follows the last day: platforms need not refresh for a day that will not come.
            if (d < days - 1)
                for (var a = 0; a < arms; a++) platforms[a].EndDay(d, impressions[a]);
            Report(progress, d, days, SimulationPhase.Refresh, clock);
        }

        // ExpoReach needs a full window after upload: only items uploaded early enough are counted.
        for (var i = firstNewItem; i < state.Items.Count; i++)
            if (state.Items.UploadDay[i] <= warmUpDays + days - result.ExposureWindowDays)
                result.NewItems.Add((assignment.CreatorArm(state.Items.Creator[i]), state.Items.Creator[i], windowExposures[i - firstNewItem]));
        for (var c = 0; c < config.Creators; c++)
            result.Creators.Add((assignment.CreatorArm(c), creatorActiveDays[c], creatorPosts[c], creatorLikes[c], creatorComments[c], creatorFollows[c]));
        for (var u = 0; u < config.Users; u++) result.Users.Add((assignment.UserArm(u), userActiveDays[u], userWatch[u], userLikes[u]));
    }

    private static void BeginDay(WorldState state, ICreatorBehaviour behaviour, int day)
    {
        state.Day = day;
        state.ClearDay();
        state.DrawVisits();
        WorldGenerator.Post(state, behaviour, day);
        state.SyncItems();
    }

    private static void EndDay(WorldState state, ICreatorBehaviour behaviour, WorldConfig config)
    {
        state.CloseDay(config.Recommender.PopularityDecay);
        CreatorDay.Close(state, behaviour);
    }

    private static void Report(Action<SimulationProgress>? progress, int day, int days, SimulationPhase phase, PhaseClock clock, TimeSpan? phaseTime = null)
    {
        var (elapsed, sinceLast) = clock.Lap();
        progress?.Invoke(new SimulationProgress(day, days, phase, elapsed, phaseTime ?? sinceLast));
    }

    /// <summary>The run's clock; a phase's time is the time since the previous report.</summary>
    private sealed class PhaseClock
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private TimeSpan _last;

        public (TimeSpan Elapsed, TimeSpan SinceLast) Lap()
        {
            var elapsed = _watch.Elapsed;
            var since = elapsed - _last;
            _last = elapsed;
            return (elapsed, since);
        }
    }

    /// <summary>Running totals of one arm's day.</summary>
    private sealed class DayTally
    {
        public int Visitors;
        public long Impressions;
        public double WatchSeconds;
        public long Likes;
        public long Comments;
        public long Follows;
        private readonly Dictionary<RetrievalSource, long> _bySource = new();

        /// <summary>Impressions by source name, in the order the sources first appeared.</summary>
        public Dictionary<string, long> BySource => _bySource.ToDictionary(p => p.Key.ToString(), p => p.Value);

        public void Count(RetrievalSource source, int watchMs, Feedback feedback)
        {
            Impressions++;
            WatchSeconds += watchMs / 1000.0;
            if ((feedback & Feedback.Like) != 0) Likes++;
            if ((feedback & Feedback.Comment) != 0) Comments++;
            if ((feedback & Feedback.Follow) != 0) Follows++;
            _bySource[source] = _bySource.GetValueOrDefault(source) + 1;
        }
    }
}

/// <summary>What a platform is built from: the world (its catalogue grows daily), the arm, and the warm-up history (an event log on disk, read-only).</summary>
public sealed record PlatformContext(WorldState World, ArmAssignment Assignment, int Arm, EventLog History);
