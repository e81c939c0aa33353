using Twofold.Data;
using Twofold.Domain;

namespace Twofold.World;

/// <summary>Progress of a generation: the day just finished and running totals.</summary>
public readonly record struct WorldProgress(int Day, int Days, long Events, int Items, int Visitors);

/// <summary>What a generation produced.</summary>
public sealed record WorldSummary(string Directory, int Users, int Creators, int Items, long Events, int Days, double MeanVisitRate, TimeSpan Elapsed);

/// <summary>
/// Runs a world for D days and writes it as a dataset with its ground truth. Each day: users draw their visits
/// (<see cref="UserActivityModel"/>), creators post (<see cref="ICreatorBehaviour"/>), the
/// <see cref="LoggingRecommender"/> serves every visitor a feed, responses are drawn (<see cref="ResponseModel"/>)
/// and streamed to the event log, and creators take in the day's feedback.
/// </summary>
/// <remarks>
/// Memory is bounded by the agent state (struct-of-arrays), the catalogue and one block of impressions: events are
/// never kept. Visitors are served in parallel, each from its own random stream (seed, user, day), and the blocks are
/// appended in user order, so the output does not depend on the number of threads.
/// </remarks>
public static class WorldGenerator
{
    private const int BlockUsers = 16_384;
    private const int ChunkUsers = 512;
    private const long MsPerHour = 3_600_000L;
    private const long MsPerDay = 86_400_000L;

    /// <summary>Builds the initial state: populations, initial activity and the backlog catalogue (posted before day 0).</summary>
    public static WorldState CreateState(WorldConfig config, ICreatorBehaviour? behaviour = null)
    {
        config.Validate();
        var space = LatentSpace.Create(config);
        var users = UserPopulation.Create(config, space);
        var creators = CreatorPopulation.Create(config, space);
        var items = new ItemCatalogue(config.Tastes.Dimension, config.Tastes.ContentDimension);
        var state = new WorldState(config, space, users, creators, items);
        state.InitialiseActivity();
        behaviour ??= CreatorBehaviours.Create(config);
        for (var day = -config.Catalogue.BacklogDays; day < 0; day++) Post(state, behaviour, day, WorldRandom.Purpose.Backlog);
        state.SyncItems();
        return state;
    }

    /// <summary>Creators post for <paramref name="day"/>: new items are uploaded during the first six hours of the day.</summary>
    public static void Post(WorldState state, ICreatorBehaviour behaviour, int day, WorldRandom.Purpose purpose = WorldRandom.Purpose.Posting)
    {
        var config = state.Config;
        Span<float> latent = stackalloc float[config.Tastes.Dimension];
        Span<float> content = stackalloc float[config.Tastes.ContentDimension];
        var dayStart = state.DayStartMsOf(day);
        for (var c = 0; c < state.Creators.Count; c++)
        {
            var rng = new WorldRandom(config.Seed, purpose, c, day);
            var posts = behaviour.Posts(state, c, ref rng);
            if (day >= 0) state.CreatorPostsToday[c] = posts;
            for (var p = 0; p < posts; p++)
            {
                var genre = behaviour.DesignItem(state, c, ref rng, latent);
                if (content.Length > 0) state.Space.Content(ref rng, latent, config.Tastes.ContentNoise, content);
                var duration = ItemCatalogue.SampleDurationMs(config.Catalogue, ref rng);
                var quality = (float)(state.Creators.Quality[c] + config.Catalogue.ItemQualitySd * rng.Normal());
                var upload = dayStart + (long)(rng.NextDouble() * 6 * MsPerHour);
                state.Items.Add(c, genre, duration, quality, upload, day, latent, content);
            }
        }
    }

    /// <summary>Generates the world and writes it to <paramref name="outputDirectory"/> (a dataset plus <c>world/</c>).</summary>
    public static WorldSummary Generate(WorldConfig config, string outputDirectory, bool overwrite = false,
        Action<WorldProgress>? progress = null, ICreatorBehaviour? behaviour = null, CancellationToken cancellation = default)
    {
        config.Validate();
        var started = System.Diagnostics.Stopwatch.StartNew();
        behaviour ??= CreatorBehaviours.Create(config);
        using var writer = DatasetWriter.Create(outputDirectory, overwrite: overwrite);
        var truthDirectory = Path.Combine(writer.StagingDirectory, WorldTruth.DirectoryName);
        Directory.CreateDirectory(truthDirectory);
        var state = CreateState(config, behaviour);
        var recommender = new LoggingRecommender(config.Recommender);
        var buffers = new List<Interaction>[BlockUsers / ChunkUsers];
        for (var i = 0; i < buffers.Length; i++) buffers[i] = new List<Interaction>();
        var visitors = new int[config.Users];
        long visits = 0;

        using (var activity = new ActivityTruthWriter(Path.Combine(truthDirectory, ActivityTruthWriter.FileName), config.Users))
        {
            for (var day = 0; day < config.Days; day++)
            {
                cancellation.ThrowIfCancellationRequested();
                state.Day = day;
                state.ClearDay();
                state.DrawVisits();
                activity.AppendDay(state.Visited, state.VisitProbability);
                Post(state, behaviour, day);
                state.SyncItems();
                recommender.Prepare(state);

                var count = 0;
                for (var u = 0; u < config.Users; u++)
                    if (state.Visited[u]) visitors[count++] = u;
                visits += count;
                for (var block = 0; block < count; block += BlockUsers)
                {
                    var blockEnd = Math.Min(count, block + BlockUsers);
                    var chunks = (blockEnd - block + ChunkUsers - 1) / ChunkUsers;
                    Parallel.For(0, chunks, chunk =>
                    {
                        var buffer = buffers[chunk];
                        buffer.Clear();
                        var end = Math.Min(blockEnd, block + (chunk + 1) * ChunkUsers);
                        for (var v = block + chunk * ChunkUsers; v < end; v++) Serve(state, recommender, visitors[v], buffer);
                    });
                    for (var chunk = 0; chunk < chunks; chunk++)
                        foreach (var interaction in buffers[chunk]) writer.Events.Append(interaction);
                }

                state.CloseDay(config.Recommender.PopularityDecay);
                CreatorDay.Close(state, behaviour);
                progress?.Invoke(new WorldProgress(day + 1, config.Days, writer.Events.RowsWritten, state.Items.Count, count));
            }
            activity.Complete();
        }

        WorldTruth.Write(truthDirectory, state);
        var users = new List<User>(config.Users);
        for (var u = 0; u < config.Users; u++) users.Add(new User(new UserId(u), $"u{u}"));
        var creators = new List<Creator>(config.Creators);
        for (var c = 0; c < config.Creators; c++) creators.Add(new Creator(new CreatorId(c), $"c{c}"));
        var events = writer.Events.RowsWritten;
        var dataset = writer.Commit("world", users, creators, state.Items.ToItems(), new Dictionary<string, string>
        {
            ["generator"] = "twofold world generate",
            ["seed"] = config.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ground_truth"] = WorldTruth.DirectoryName + "/",
        });
        return new WorldSummary(dataset.Directory, config.Users, config.Creators, state.Items.Count, events, config.Days,
            visits / ((double)config.Users * config.Days), started.Elapsed);
    }

    /// <summary>One visit: a session of impressions starting near the user's preferred hour, each followed by the response.</summary>
    public static void Serve(WorldState state, LoggingRecommender recommender, int user, List<Interaction> into)
    {
        var config = state.Config;
        var rng = new WorldRandom(config.Seed, WorldRandom.Purpose.Feed, user, state.Day);
        var users = state.Users;
        var length = 1 + rng.Poisson(users.SessionMean[user] - 1, 200);
        var dayStart = state.DayStartMs;
        var startHour = Math.Clamp(users.StartHour[user] + rng.Normal(), 6.0, 23.5);
        var time = dayStart + (long)(startHour * MsPerHour);
        var dayEnd = dayStart + MsPerDay - 1;
        var exposures = state.ExposureArray;
        var clicks = state.ClicksTodayArray;
        var likes = state.LikesTodayArray;
        var comments = state.CommentsTodayArray;
        for (var slot = 0; slot < length; slot++)
        {
            var item = recommender.Pick(state, user, ref rng);
            if (item < 0) return;
            var feedback = state.Responses.Sample(user, item, ref rng, out var watch);
            var duration = state.Items.DurationMs[item];
            into.Add(new Interaction(new UserId(user), new ItemId(item), Math.Min(time, dayEnd), duration, watch, feedback));
            Interlocked.Increment(ref exposures[item]);
            if ((feedback & Feedback.Click) != 0) Interlocked.Increment(ref clicks[item]);
            if ((feedback & Feedback.Like) != 0) Interlocked.Increment(ref likes[item]);
            if ((feedback & Feedback.Comment) != 0) Interlocked.Increment(ref comments[item]);
            time += watch + 1_000 + rng.NextInt(3_000);
        }
    }
}
