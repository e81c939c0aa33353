using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Twofold.Data;

namespace Twofold.World;

/// <summary>
/// The ground truth of a generated world, stored beside its dataset in <c>&lt;dataset&gt;/world/</c>: the config
/// (<c>config.json</c>), the latent space (<c>space.bin</c>), users' tastes, activity parameters and propensities
/// (<c>users.bin</c>), creators' parameters and final state (<c>creators.bin</c>), items' qualities, latents and
/// content embeddings (<c>items.bin</c>), and users' daily visits and visit probabilities (<c>activity.bin</c>).
/// The tables use <see cref="TruthFile"/>'s format.
/// </summary>
public sealed class WorldTruth
{
    public const string DirectoryName = "world";
    public const string ConfigFile = "config.json";

    private WorldTruth(string directory, WorldConfig config, LatentSpace space, UserPopulation users, CreatorPopulation creators,
        ItemCatalogue items, bool[] creatorActive, float[] creatorEngagement, int activityDays)
    {
        Directory = directory;
        Config = config;
        Space = space;
        Users = users;
        Creators = creators;
        Items = items;
        CreatorActiveAtEnd = creatorActive;
        CreatorEngagementAtEnd = creatorEngagement;
        ActivityDays = activityDays;
    }

    public string Directory { get; }
    public WorldConfig Config { get; }
    public LatentSpace Space { get; }
    public UserPopulation Users { get; }
    public CreatorPopulation Creators { get; }
    public ItemCatalogue Items { get; }
    public bool[] CreatorActiveAtEnd { get; }
    public float[] CreatorEngagementAtEnd { get; }
    public int ActivityDays { get; }

    /// <summary>Loads the ground truth of the dataset at <paramref name="datasetDirectory"/> (or of a world directory itself).</summary>
    public static WorldTruth Load(string datasetDirectory)
    {
        var dir = Path.Combine(datasetDirectory, DirectoryName);
        if (!System.IO.Directory.Exists(dir))
            dir = File.Exists(Path.Combine(datasetDirectory, ConfigFile)) ? datasetDirectory
                : throw new DataFormatException(datasetDirectory, $"no world ground truth: {DirectoryName}/ is missing");
        var config = WorldConfig.Load(Path.Combine(dir, ConfigFile)).Validate();

        var spacePath = Path.Combine(dir, "space.bin");
        var (_, s) = TruthFile.Read(spacePath);
        var space = new LatentSpace(config.Tastes.Dimension, config.Tastes.ContentDimension, TruthFile.Get<float[]>(s, "centroids", spacePath),
            Array.ConvertAll(TruthFile.Get<float[]>(s, "genre_weights", spacePath), w => (double)w), TruthFile.Get<float[]>(s, "projection", spacePath));

        var usersPath = Path.Combine(dir, "users.bin");
        var (userRows, u) = TruthFile.Read(usersPath);
        var users = new UserPopulation((int)userRows, config.Tastes.Dimension, config.Tastes.MaxInterests);
        Fill(u, usersPath, ("taste", users.Taste), ("interest_weights", users.InterestWeights), ("base_visit_rate", users.BaseVisitRate),
            ("weekly_amplitude", users.WeeklyAmplitude), ("weekly_peak", users.WeeklyPeak), ("session_mean", users.SessionMean),
            ("start_hour", users.StartHour), ("click_bias", users.ClickBias), ("propensity", users.Propensity));
        TruthFile.Get<int[]>(u, "interest_genres", usersPath).CopyTo(users.InterestGenres, 0);

        var creatorsPath = Path.Combine(dir, "creators.bin");
        var (creatorRows, c) = TruthFile.Read(creatorsPath);
        var creators = new CreatorPopulation((int)creatorRows, config.Tastes.Dimension);
        Fill(c, creatorsPath, ("followers", creators.Followers), ("quality", creators.Quality), ("style", creators.Style),
            ("base_posting_rate", creators.BasePostingRate));
        TruthFile.Get<int[]>(c, "genre", creatorsPath).CopyTo(creators.Genre, 0);
        var active = Array.ConvertAll(TruthFile.Get<byte[]>(c, "active_at_end", creatorsPath), b => b != 0);
        var engagement = TruthFile.Get<float[]>(c, "engagement_at_end", creatorsPath);

        var itemsPath = Path.Combine(dir, "items.bin");
        var (_, i) = TruthFile.Read(itemsPath);
        var items = ItemCatalogue.From(config.Tastes.Dimension, config.Tastes.ContentDimension,
            TruthFile.Get<int[]>(i, "creator", itemsPath), TruthFile.Get<int[]>(i, "genre", itemsPath), TruthFile.Get<int[]>(i, "duration_ms", itemsPath),
            TruthFile.Get<float[]>(i, "quality", itemsPath), TruthFile.Get<long[]>(i, "upload_time_ms", itemsPath),
            TruthFile.Get<int[]>(i, "upload_day", itemsPath), TruthFile.Get<float[]>(i, "latent", itemsPath),
            TruthFile.Get<float[]>(i, "content", itemsPath));

        var days = ReadActivityHeader(Path.Combine(dir, ActivityTruthWriter.FileName), users.Count);
        return new WorldTruth(dir, config, space, users, creators, items, active, engagement, days);
    }

    /// <summary>Reads one day of the activity truth: who visited and with which probability.</summary>
    public void ReadActivity(int day, Span<bool> visited, Span<float> probability)
    {
        if (day < 0 || day >= ActivityDays) throw new ArgumentOutOfRangeException(nameof(day), day, $"The world has {ActivityDays} days.");
        var n = Users.Count;
        using var stream = File.OpenRead(Path.Combine(Directory, ActivityTruthWriter.FileName));
        stream.Position = 16 + (long)day * n * 5;
        stream.ReadExactly(MemoryMarshal.AsBytes(visited[..n]));
        stream.ReadExactly(MemoryMarshal.AsBytes(probability[..n]));
    }

    private static int ReadActivityHeader(string path, int users)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "the activity ground truth is missing");
        using var stream = File.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        if (stream.ReadAtLeast(header, 16, throwOnEndOfStream: false) < 16 || !header[..4].SequenceEqual(ActivityTruthWriter.Magic))
            throw new DataFormatException(path, "not an activity ground-truth file");
        var version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (version != TruthFile.Version) throw new DataFormatException(path, $"activity format version {version} is not supported");
        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != users) throw new DataFormatException(path, "user count does not match users.bin");
        var days = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (stream.Length != 16 + (long)days * users * 5) throw new DataFormatException(path, "the activity file is truncated");
        return days;
    }

    private static void Fill(Dictionary<string, Array> columns, string path, params (string Name, float[] Into)[] targets)
    {
        foreach (var (name, into) in targets)
        {
            var values = TruthFile.Get<float[]>(columns, name, path);
            if (values.Length != into.Length) throw new DataFormatException(path, $"column {name} has {values.Length} values, expected {into.Length}");
            values.CopyTo(into, 0);
        }
    }

    /// <summary>Writes the static tables and the config of a world into <paramref name="directory"/>.</summary>
    internal static void Write(string directory, WorldState state)
    {
        System.IO.Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), state.Config.ToJson());
        var space = state.Space;
        TruthFile.Write(Path.Combine(directory, "space.bin"), 1,
        [
            new("centroids", space.Centroids, space.Centroids.Length),
            new("genre_weights", Array.ConvertAll(space.GenreWeights, w => (float)w), space.Genres),
            new("projection", space.Projection, space.Projection.Length),
        ]);
        var u = state.Users;
        TruthFile.Write(Path.Combine(directory, "users.bin"), u.Count,
        [
            new("taste", u.Taste, u.Dimension),
            new("interest_genres", u.InterestGenres, u.MaxInterests),
            new("interest_weights", u.InterestWeights, u.MaxInterests),
            new("base_visit_rate", u.BaseVisitRate),
            new("weekly_amplitude", u.WeeklyAmplitude),
            new("weekly_peak", u.WeeklyPeak),
            new("session_mean", u.SessionMean),
            new("start_hour", u.StartHour),
            new("click_bias", u.ClickBias),
            new("propensity", u.Propensity, UserPopulation.PropensityKinds.Length),
        ]);
        var c = state.Creators;
        TruthFile.Write(Path.Combine(directory, "creators.bin"), c.Count,
        [
            new("followers", c.Followers),
            new("quality", c.Quality),
            new("genre", c.Genre),
            new("style", c.Style, c.Dimension),
            new("base_posting_rate", c.BasePostingRate),
            new("active_at_end", Array.ConvertAll(state.CreatorActive, a => a ? (byte)1 : (byte)0)),
            new("engagement_at_end", state.CreatorEngagement),
        ]);
        var i = state.Items;
        TruthFile.Write(Path.Combine(directory, "items.bin"), i.Count,
        [
            new("creator", i.Creator.ToArray()),
            new("genre", i.Genre.ToArray()),
            new("duration_ms", i.DurationMs.ToArray()),
            new("quality", i.Quality.ToArray()),
            new("upload_time_ms", i.UploadTimeMs.ToArray()),
            new("upload_day", i.UploadDay.ToArray()),
            new("exposures", state.ItemExposures.ToArray()),
            new("latent", i.Latents.ToArray(), i.Dimension),
            new("content", i.Contents.ToArray(), i.ContentDimension),
        ]);
    }

    /// <summary>Reads a config written beside a world (for tools that only need the parameters).</summary>
    public static WorldConfig ReadConfig(string worldDirectory) => JsonSerializer.Deserialize<WorldConfig>(
        File.ReadAllText(Path.Combine(worldDirectory, ConfigFile)), WorldConfig.Json)!;
}
