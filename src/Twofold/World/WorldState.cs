namespace Twofold.World;

/// <summary>
/// The mutable state of a world on the current day, struct-of-arrays: users' activity propensities and visit
/// histories, creators' engagement and churn state, items' popularity and the day's feedback counters. The
/// generator and the simulator advance it one day at a time; the fixed parameters live in the populations.
/// </summary>
public sealed class WorldState
{
    private int[] _itemExposures = new int[1024];
    private int[] _itemClicksToday = new int[1024];
    private int[] _itemLikesToday = new int[1024];
    private int[] _itemCommentsToday = new int[1024];
    private float[] _itemPopularity = new float[1024];

    public WorldState(WorldConfig config, LatentSpace space, UserPopulation users, CreatorPopulation creators, ItemCatalogue items)
    {
        Config = config;
        Space = space;
        Users = users;
        Creators = creators;
        Items = items;
        Activity = new UserActivityModel(config.Activity, users);
        Responses = new ResponseModel(config.Responses, users, items);
        Propensity = new float[users.Count];
        VisitProbability = new float[users.Count];
        Visited = new bool[users.Count];
        VisitHistory = new uint[users.Count];
        CreatorEngagement = new float[creators.Count];
        CreatorDaysWithoutClicks = new int[creators.Count];
        CreatorActive = new bool[creators.Count];
        CreatorActive.AsSpan().Fill(true);
        CreatorPostsToday = new int[creators.Count];
        CreatorClicksToday = new int[creators.Count];
        CreatorLikesToday = new int[creators.Count];
        CreatorCommentsToday = new int[creators.Count];
    }

    public WorldConfig Config { get; }
    public LatentSpace Space { get; }
    public UserPopulation Users { get; }
    public CreatorPopulation Creators { get; }
    public ItemCatalogue Items { get; }
    public UserActivityModel Activity { get; }
    public ResponseModel Responses { get; }

    /// <summary>The current day, relative to the first logged day.</summary>
    public int Day { get; internal set; }

    public DateOnly Date => Config.StartDate.AddDays(Day);
    public long DayStartMs => DayStartMsOf(Day);
    public long DayStartMsOf(int day) => (long)(Config.StartDate.AddDays(day).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) * 86_400_000L;

    // Users
    /// <summary>The AR(1) activity propensity z_u of each user (see <see cref="UserActivityModel"/>).</summary>
    public float[] Propensity { get; }
    /// <summary>Today's visit probability per user.</summary>
    public float[] VisitProbability { get; }
    /// <summary>Whether the user visits today.</summary>
    public bool[] Visited { get; }
    /// <summary>The last 32 days of visits, bit 0 = today.</summary>
    public uint[] VisitHistory { get; }

    // Creators
    /// <summary>E_c: engagement (likes + w·comments) received, exponentially smoothed over days.</summary>
    public float[] CreatorEngagement { get; }
    public int[] CreatorDaysWithoutClicks { get; }
    /// <summary>False once a creator has churned.</summary>
    public bool[] CreatorActive { get; }
    public int[] CreatorPostsToday { get; }
    public int[] CreatorClicksToday { get; }
    public int[] CreatorLikesToday { get; }
    public int[] CreatorCommentsToday { get; }

    // Items (indexed by item id, sized to the catalogue)
    /// <summary>Impressions so far.</summary>
    public Span<int> ItemExposures => _itemExposures.AsSpan(0, Items.Count);
    public Span<int> ItemClicksToday => _itemClicksToday.AsSpan(0, Items.Count);
    public Span<int> ItemLikesToday => _itemLikesToday.AsSpan(0, Items.Count);
    public Span<int> ItemCommentsToday => _itemCommentsToday.AsSpan(0, Items.Count);
    /// <summary>Clicks, decayed by the recommender's popularity decay each day.</summary>
    public Span<float> ItemPopularity => _itemPopularity.AsSpan(0, Items.Count);

    internal int[] ExposureArray => _itemExposures;
    internal int[] ClicksTodayArray => _itemClicksToday;
    internal int[] LikesTodayArray => _itemLikesToday;
    internal int[] CommentsTodayArray => _itemCommentsToday;

    /// <summary>Grows the item arrays to the catalogue (after creators post).</summary>
    public void SyncItems()
    {
        var n = Items.Count;
        if (n <= _itemExposures.Length) return;
        var capacity = Math.Max(n, _itemExposures.Length * 2);
        Array.Resize(ref _itemExposures, capacity);
        Array.Resize(ref _itemClicksToday, capacity);
        Array.Resize(ref _itemLikesToday, capacity);
        Array.Resize(ref _itemCommentsToday, capacity);
        Array.Resize(ref _itemPopularity, capacity);
    }

    /// <summary>Draws today's visits for every user (in parallel; each user draws from its own stream).</summary>
    public void DrawVisits()
    {
        var dow = Date.DayOfWeek;
        var n = Users.Count;
        Parallel.For(0, (n + 8191) / 8192, block =>
        {
            var end = Math.Min(n, (block + 1) * 8192);
            for (var u = block * 8192; u < end; u++)
            {
                var rng = new WorldRandom(Config.Seed, WorldRandom.Purpose.Activity, u, Day);
                var visit = Activity.NextDay(u, ref Propensity[u], dow, ref rng, out var p);
                Visited[u] = visit;
                VisitProbability[u] = (float)p;
                VisitHistory[u] = (VisitHistory[u] << 1) | (visit ? 1u : 0u);
            }
        });
    }

    /// <summary>Sets the initial activity propensities (stationary draws).</summary>
    internal void InitialiseActivity()
    {
        for (var u = 0; u < Users.Count; u++)
        {
            var rng = new WorldRandom(Config.Seed, WorldRandom.Purpose.Activity, u, -1);
            Propensity[u] = Activity.InitialPropensity(ref rng);
        }
    }

    /// <summary>Clears the day's counters before a new day.</summary>
    public void ClearDay()
    {
        ItemClicksToday.Clear();
        ItemLikesToday.Clear();
        ItemCommentsToday.Clear();
        CreatorPostsToday.AsSpan().Clear();
        CreatorClicksToday.AsSpan().Clear();
        CreatorLikesToday.AsSpan().Clear();
        CreatorCommentsToday.AsSpan().Clear();
    }

    /// <summary>Folds the day's item counters into popularity and per-creator totals.</summary>
    public void CloseDay(double popularityDecay)
    {
        var popularity = ItemPopularity;
        var clicks = ItemClicksToday;
        var likes = ItemLikesToday;
        var comments = ItemCommentsToday;
        var creator = Items.Creator;
        for (var i = 0; i < popularity.Length; i++)
        {
            popularity[i] = (float)(popularityDecay * popularity[i] + clicks[i]);
            var c = creator[i];
            CreatorClicksToday[c] += clicks[i];
            CreatorLikesToday[c] += likes[i];
            CreatorCommentsToday[c] += comments[i];
        }
    }
}
