using Microsoft.Extensions.Configuration;

namespace Twofold.Server;

/// <summary>
/// Settings of <c>twofold serve</c>: the section <c>Twofold</c> of the configuration (a JSON file given with
/// <c>--config</c>, or environment variables such as <c>Twofold__Store=redis</c>), with the command line's
/// <c>--bundle</c>, <c>--data</c> and <c>--urls</c> on top.
/// </summary>
public sealed record ServeOptions
{
    public const string Section = "Twofold";

    /// <summary>The model bundle directory (from <c>twofold train</c>).</summary>
    public string Bundle { get; init; } = "";

    /// <summary>The state directory: uploads, the event journal and log, and (by default) the availability store.</summary>
    public string Data { get; init; } = "";

    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary><c>sqlite</c> (a file under <see cref="Data"/>) or <c>redis</c> (<see cref="RedisConnection"/>).</summary>
    public string Store { get; init; } = "sqlite";

    /// <summary>
    /// What an acknowledged write to the SQLite files (the service's state, and the availability store unless it is in
    /// Redis) survives: <c>full</c> (an fsync per commit: a power loss too; the default) or <c>normal</c> (a crash of the
    /// process, not of the machine; commits do not wait for the device). See <see cref="Storage.SqliteDurability"/>.
    /// </summary>
    public string SqliteDurability { get; init; } = "full";

    /// <summary><see cref="SqliteDurability"/> as the storage layer's setting.</summary>
    public Storage.SqliteDurability Durability => SqliteDurability == "normal" ? Storage.SqliteDurability.Normal : Storage.SqliteDurability.Full;

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>; required when <see cref="Store"/> is redis.</summary>
    public string? RedisConnection { get; init; }

    /// <summary>Namespace of the availability store's Redis keys.</summary>
    public string RedisPrefix { get; init; } = "twofold";

    /// <summary>The key the admin endpoints require in the <c>X-Api-Key</c> header; admin is disabled without one.</summary>
    public string? AdminKey { get; init; }

    /// <summary>The creator side's DualRec version (1 … 5) at start-up.</summary>
    public int DualRecVersion { get; init; } = 5;

    /// <summary>λ of the combined feed at start-up.</summary>
    public double Lambda { get; init; } = 1.0;

    /// <summary>
    /// Candidates asked of each user-side source per feed; the default is the quota the simulator evaluates strategies
    /// with (<see cref="CreatorSide.CombinedOptions.DefaultQuotaPerSource"/>).
    /// </summary>
    public int FeedQuotaPerSource { get; init; } = CreatorSide.CombinedOptions.DefaultQuotaPerSource;

    /// <summary>The largest request body accepted, in bytes.</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>The most events one POST /events may carry.</summary>
    public int MaxEventsPerRequest { get; init; } = 5_000;

    /// <summary>Uploads accepted per second (token bucket; bursts up to one second's worth).</summary>
    public int UploadsPerSecond { get; init; } = 200;

    /// <summary>Event batches accepted per second (token bucket; bursts up to one second's worth).</summary>
    public int EventRequestsPerSecond { get; init; } = 2_000;

    /// <summary>E of ExpoReach-E: exposures an item needs to count as reached.</summary>
    public int ExpoReachExposures { get; init; } = 10;

    /// <summary>The most feed entries one request may ask for.</summary>
    public int MaxFeedLength { get; init; } = 200;

    public static ServeOptions FromConfiguration(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ServeOptions>() ?? new ServeOptions();

    /// <summary>Refuses settings that cannot work, naming the setting.</summary>
    public ServeOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Bundle)) throw new ArgumentException("No model bundle given: pass --bundle <dir> (or Twofold:Bundle).");
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("No state directory given: pass --data <dir> (or Twofold:Data).");
        if (Store is not ("sqlite" or "redis")) throw new ArgumentException($"Twofold:Store must be 'sqlite' or 'redis', not '{Store}'.");
        if (SqliteDurability is not ("full" or "normal"))
            throw new ArgumentException($"Twofold:SqliteDurability must be 'full' or 'normal', not '{SqliteDurability}'.");
        if (Store == "redis" && string.IsNullOrWhiteSpace(RedisConnection))
            throw new ArgumentException("Twofold:Store is redis but Twofold:RedisConnection (e.g. 127.0.0.1:6379) is not set.");
        foreach (var (member, problem) in new Serving.Strategy(DualRecVersion, Lambda).Problems()) throw new ArgumentException($"Twofold:{member}: {problem}");
        if (MaxRequestBytes < 1024) throw new ArgumentException($"Twofold:MaxRequestBytes must be at least 1024, not {MaxRequestBytes}.");
        if (MaxEventsPerRequest < 1) throw new ArgumentException($"Twofold:MaxEventsPerRequest must be at least 1, not {MaxEventsPerRequest}.");
        if (UploadsPerSecond < 1) throw new ArgumentException($"Twofold:UploadsPerSecond must be at least 1, not {UploadsPerSecond}.");
        if (EventRequestsPerSecond < 1) throw new ArgumentException($"Twofold:EventRequestsPerSecond must be at least 1, not {EventRequestsPerSecond}.");
        if (ExpoReachExposures < 1) throw new ArgumentException($"Twofold:ExpoReachExposures must be at least 1, not {ExpoReachExposures}.");
        if (FeedQuotaPerSource < 1) throw new ArgumentException($"Twofold:FeedQuotaPerSource must be at least 1, not {FeedQuotaPerSource}.");
        if (MaxFeedLength < 1) throw new ArgumentException($"Twofold:MaxFeedLength must be at least 1, not {MaxFeedLength}.");
        return this;
    }
}
