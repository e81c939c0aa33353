using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Storage;

namespace Twofold.Server.State;

/// <summary>An item uploaded through the service, with the outcome of its dispatch once it has one.</summary>
/// <param name="Item">The dense item id the service gave it (after the bundle's dataset's items).</param>
/// <param name="Day">The serving day it was dispatched on (days since 1970-01-01).</param>
/// <param name="Sources">The matched users per retrieval source, as JSON; null until dispatched.</param>
public sealed record UploadRecord(int Item, string ExternalId, int Creator, long UploadTimeMs, int DurationMs, string Genre,
    IReadOnlyList<string> Tags, float[]? ContentEmbedding, int Day, bool Dispatched, int Matched, string? Sources)
{
    public Item ToItem() => new(new ItemId(Item), ExternalId, new CreatorId(Creator), UploadTimeMs, DurationMs, Genre, Tags, ContentEmbedding);
}

/// <summary>One impression reported to the service, with the source the feed attributed it to (when the client says).</summary>
public readonly record struct ServiceEvent(int User, int Item, long TimeMs, int DurationMs, int WatchMs, Feedback Feedback, string? Source)
{
    public Interaction ToInteraction() => new(new UserId(User), new ItemId(Item), TimeMs, DurationMs, WatchMs, Feedback);
}

/// <summary>
/// The service's own durable state in one SQLite file under the state directory: the uploaded items, the journal of
/// reported events, and a few settings (the serving day, the strategy). Write-ahead logging with
/// <c>synchronous=FULL</c> by default (<see cref="SqliteDurability"/>): a request is acknowledged only after its
/// transaction is committed, so a crash of the process loses nothing that was acknowledged, and with FULL neither does
/// a power loss.
/// </summary>
public sealed class ServiceDatabase : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;
    private readonly string _synchronous;

    /// <param name="durability">What an acknowledged write survives (<see cref="SqliteDurability.Full"/> unless given).</param>
    public ServiceDatabase(string path, SqliteDurability durability = SqliteDurability.Full)
    {
        Path = System.IO.Path.GetFullPath(path);
        _synchronous = durability.Statement();
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS uploads (
              item INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, creator INTEGER NOT NULL, upload_time_ms INTEGER NOT NULL,
              duration_ms INTEGER NOT NULL, genre TEXT NOT NULL, tags TEXT NOT NULL, embedding BLOB, day INTEGER NOT NULL,
              dispatched INTEGER NOT NULL DEFAULT 0, matched INTEGER NOT NULL DEFAULT 0, sources TEXT);
            CREATE INDEX IF NOT EXISTS uploads_by_creator ON uploads (creator);
            CREATE TABLE IF NOT EXISTS events (
              seq INTEGER PRIMARY KEY, user INTEGER NOT NULL, item INTEGER NOT NULL, time_ms INTEGER NOT NULL, day INTEGER NOT NULL,
              duration_ms INTEGER NOT NULL, watch_ms INTEGER NOT NULL, feedback INTEGER NOT NULL, source TEXT);
            CREATE INDEX IF NOT EXISTS events_by_item ON events (item);
            CREATE INDEX IF NOT EXISTS events_by_day ON events (day, user);
            """);
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT version FROM schema_info";
        var version = check.ExecuteScalar();
        if (version is null) Execute(connection, $"INSERT INTO schema_info VALUES ({SchemaVersion})");
        else if (Convert.ToInt32(version, CultureInfo.InvariantCulture) != SchemaVersion)
            throw new InvalidDataException($"{Path}: service state schema version {version} is not supported (expected {SchemaVersion}).");
    }

    public string Path { get; }

    /// <summary>A connection's <c>PRAGMA synchronous</c> as SQLite reports it (1 = NORMAL, 2 = FULL).</summary>
    internal long SynchronousSetting
    {
        get
        {
            using var connection = Open();
            return SqliteDurabilityPragma.Synchronous(connection);
        }
    }

    /// <summary>Whether the database answers a query (readiness).</summary>
    public bool Ping()
    {
        using var connection = Open();
        using var query = Command(connection, "SELECT 1");
        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    public string? Setting(string key)
    {
        using var connection = Open();
        using var query = Command(connection, "SELECT value FROM settings WHERE key = $key", ("$key", key));
        return query.ExecuteScalar() as string;
    }

    public void SetSetting(string key, string value)
    {
        using var connection = Open();
        using var command = Command(connection, "INSERT INTO settings VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ("$key", key), ("$value", value));
        command.ExecuteNonQuery();
    }

    // ---- uploads ----

    public IReadOnlyList<UploadRecord> ReadUploads()
    {
        using var connection = Open();
        using var query = Command(connection, $"{SelectUploads} ORDER BY item");
        return ReadUploads(query);
    }

    public UploadRecord? FindUpload(string externalId)
    {
        using var connection = Open();
        using var query = Command(connection, $"{SelectUploads} WHERE external_id = $id", ("$id", externalId));
        return ReadUploads(query).FirstOrDefault();
    }

    public IReadOnlyList<UploadRecord> UploadsOf(int creator)
    {
        using var connection = Open();
        using var query = Command(connection, $"{SelectUploads} WHERE creator = $creator ORDER BY item", ("$creator", creator));
        return ReadUploads(query);
    }

    /// <summary>Records new uploads (not yet dispatched) in one transaction.</summary>
    public void InsertUploads(IReadOnlyList<UploadRecord> uploads)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = Command(connection, """
            INSERT INTO uploads (item, external_id, creator, upload_time_ms, duration_ms, genre, tags, embedding, day)
            VALUES ($item, $external, $creator, $time, $duration, $genre, $tags, $embedding, $day)
            """, ("$item", 0), ("$external", ""), ("$creator", 0), ("$time", 0L), ("$duration", 0), ("$genre", ""), ("$tags", ""),
            ("$embedding", DBNull.Value), ("$day", 0));
        insert.Transaction = transaction;
        foreach (var u in uploads)
        {
            insert.Parameters["$item"].Value = u.Item;
            insert.Parameters["$external"].Value = u.ExternalId;
            insert.Parameters["$creator"].Value = u.Creator;
            insert.Parameters["$time"].Value = u.UploadTimeMs;
            insert.Parameters["$duration"].Value = u.DurationMs;
            insert.Parameters["$genre"].Value = u.Genre;
            insert.Parameters["$tags"].Value = string.Join('|', u.Tags);
            insert.Parameters["$embedding"].Value = u.ContentEmbedding is null ? DBNull.Value : MemoryMarshal.AsBytes(u.ContentEmbedding.AsSpan()).ToArray();
            insert.Parameters["$day"].Value = u.Day;
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>
    /// Marks dispatched uploads with their day, matched users and sources, all in one transaction: a batch of uploads
    /// costs one commit, not one per upload. The commit does not wait for the device, whatever the durability.
    /// </summary>
    /// <remarks>
    /// A mark is the one write an upload can lose without losing anything acknowledged: the upload's record and its
    /// reservation in the availability store were both durable before it. An upload recorded and not marked is
    /// dispatched again at start-up, and the store returns the users it already holds for the item (dispatch is
    /// idempotent by item), so a mark that a crash of the machine took back is written again, with the users but
    /// without their sources (the store keeps the users only). The commit is visible at once, as any other, and
    /// reaches the device with the file's next commit that waits for it (the next upload's record or events) or its
    /// checkpoint. Waiting for the device here had been one of an upload's three fsyncs in a row, on the upload's
    /// path.
    /// </remarks>
    public void MarkDispatched(IReadOnlyList<UploadRecord> dispatched)
    {
        using var connection = Open(SqliteDurability.Normal);
        using var transaction = connection.BeginTransaction(deferred: false);
        using var update = Command(connection, "UPDATE uploads SET dispatched = 1, day = $day, matched = $matched, sources = $sources WHERE item = $item",
            ("$item", 0), ("$day", 0), ("$matched", 0), ("$sources", ""));
        update.Transaction = transaction;
        foreach (var u in dispatched)
        {
            update.Parameters["$item"].Value = u.Item;
            update.Parameters["$day"].Value = u.Day;
            update.Parameters["$matched"].Value = u.Matched;
            update.Parameters["$sources"].Value = (object?)u.Sources ?? DBNull.Value;
            update.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    // ---- events ----

    /// <summary>Appends a batch of events in one transaction; returns the sequence number of the last one.</summary>
    public long AppendEvents(IReadOnlyList<ServiceEvent> events)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = Command(connection, """
            INSERT INTO events (user, item, time_ms, day, duration_ms, watch_ms, feedback, source)
            VALUES ($user, $item, $time, $day, $duration, $watch, $feedback, $source)
            """, ("$user", 0), ("$item", 0), ("$time", 0L), ("$day", 0), ("$duration", 0), ("$watch", 0), ("$feedback", 0), ("$source", DBNull.Value));
        insert.Transaction = transaction;
        foreach (var e in events)
        {
            insert.Parameters["$user"].Value = e.User;
            insert.Parameters["$item"].Value = e.Item;
            insert.Parameters["$time"].Value = e.TimeMs;
            insert.Parameters["$day"].Value = EventLogDays.DayNumber(e.TimeMs);
            insert.Parameters["$duration"].Value = e.DurationMs;
            insert.Parameters["$watch"].Value = e.WatchMs;
            insert.Parameters["$feedback"].Value = (int)e.Feedback;
            insert.Parameters["$source"].Value = (object?)e.Source ?? DBNull.Value;
            insert.ExecuteNonQuery();
        }
        using var last = Command(connection, "SELECT coalesce(max(seq), 0) FROM events");
        last.Transaction = transaction;
        var seq = Convert.ToInt64(last.ExecuteScalar(), CultureInfo.InvariantCulture);
        transaction.Commit();
        return seq;
    }

    public long LastEventSequence()
    {
        using var connection = Open();
        using var query = Command(connection, "SELECT coalesce(max(seq), 0) FROM events");
        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public long CountEvents()
    {
        using var connection = Open();
        using var query = Command(connection, "SELECT count(*) FROM events");
        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The events with sequence numbers in (<paramref name="after"/>, <paramref name="through"/>], in order.</summary>
    public InteractionBatch ReadEvents(long after, long through)
    {
        using var connection = Open();
        using var query = Command(connection,
            "SELECT user, item, time_ms, duration_ms, watch_ms, feedback FROM events WHERE seq > $after AND seq <= $through ORDER BY seq",
            ("$after", after), ("$through", through));
        var batch = new InteractionBatch([]);
        using var reader = query.ExecuteReader();
        while (reader.Read())
            batch.Add(new Interaction(new UserId(reader.GetInt32(0)), new ItemId(reader.GetInt32(1)), reader.GetInt64(2), reader.GetInt32(3),
                reader.GetInt32(4), (Feedback)reader.GetInt32(5)));
        return batch;
    }

    // ---- figures for the creator view and the dashboard ----

    /// <summary>Exposures and engagement received per item, over the service's events.</summary>
    public IReadOnlyDictionary<int, ItemFigures> ItemFigures(IEnumerable<int> items)
    {
        using var connection = Open();
        using var query = Command(connection, $"""
            SELECT item, count(*), sum(feedback & {(int)Feedback.Like} != 0), sum(feedback & {(int)Feedback.Comment} != 0),
                   sum(feedback & {(int)Feedback.Follow} != 0)
            FROM events WHERE item IN (SELECT value FROM json_each($items)) GROUP BY item
            """, ("$items", "[" + string.Join(',', items.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]"));
        var figures = new Dictionary<int, ItemFigures>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
            figures[reader.GetInt32(0)] = new ItemFigures(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        return figures;
    }

    /// <summary>Per day: distinct users with events (DAU), impressions, creators who uploaded (DAC), uploads, and uploads reaching E exposures.</summary>
    public IReadOnlyList<DayFigures> DayFigures(int expoReachExposures)
    {
        using var connection = Open();
        using var query = Command(connection, """
            WITH visits AS (SELECT day, count(DISTINCT user) AS users, count(*) AS impressions FROM events GROUP BY day),
                 exposure AS (SELECT item, count(*) AS n FROM events GROUP BY item),
                 posts AS (SELECT u.day, count(DISTINCT u.creator) AS creators, count(*) AS items,
                                  sum(coalesce(x.n, 0) >= $e) AS reached
                           FROM uploads u LEFT JOIN exposure x ON x.item = u.item GROUP BY u.day),
                 days AS (SELECT day FROM visits UNION SELECT day FROM posts)
            SELECT d.day, coalesce(v.users, 0), coalesce(v.impressions, 0), coalesce(p.creators, 0), coalesce(p.items, 0), coalesce(p.reached, 0)
            FROM days d LEFT JOIN visits v ON v.day = d.day LEFT JOIN posts p ON p.day = d.day ORDER BY d.day
            """, ("$e", expoReachExposures));
        var days = new List<DayFigures>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
            days.Add(new DayFigures(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        return days;
    }

    /// <summary>Impressions by the retrieval source the feed attributed them to (events reported without one are "unattributed").</summary>
    public IReadOnlyDictionary<string, long> ExposureBySource()
    {
        using var connection = Open();
        using var query = Command(connection, "SELECT coalesce(source, 'unattributed'), count(*) FROM events GROUP BY 1 ORDER BY 2 DESC");
        var bySource = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = query.ExecuteReader();
        while (reader.Read()) bySource[reader.GetString(0)] = reader.GetInt64(1);
        return bySource;
    }

    /// <summary>The uploads dispatched on <paramref name="day"/>.</summary>
    public IReadOnlyList<int> DispatchedOn(int day)
    {
        using var connection = Open();
        using var query = Command(connection, "SELECT item FROM uploads WHERE day = $day AND dispatched = 1 ORDER BY item", ("$day", day));
        var items = new List<int>();
        using var reader = query.ExecuteReader();
        while (reader.Read()) items.Add(reader.GetInt32(0));
        return items;
    }

    public void Dispose() => SqliteConnection.ClearPool(new SqliteConnection(_connectionString));

    private const string SelectUploads =
        "SELECT item, external_id, creator, upload_time_ms, duration_ms, genre, tags, embedding, day, dispatched, matched, sources FROM uploads";

    private static List<UploadRecord> ReadUploads(SqliteCommand query)
    {
        var uploads = new List<UploadRecord>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            var tags = reader.GetString(6);
            float[]? embedding = reader.IsDBNull(7) ? null : MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(7)).ToArray();
            uploads.Add(new UploadRecord(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt32(4),
                reader.GetString(5), tags.Length == 0 ? [] : tags.Split('|'), embedding, reader.GetInt32(8), reader.GetInt32(9) == 1,
                reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
        }
        return uploads;
    }

    /// <summary>A pooled connection with the configured durability, or <paramref name="durability"/> for this use only (each open sets it anew).</summary>
    private SqliteConnection Open(SqliteDurability? durability = null)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, durability?.Statement() ?? _synchronous);
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>What one item received over the service's events.</summary>
public readonly record struct ItemFigures(long Exposures, long Likes, long Comments, long Follows);

/// <summary>One day of the platform view.</summary>
public readonly record struct DayFigures(int Day, long ActiveUsers, long Impressions, long ActiveCreators, long Uploads, long UploadsReached);
