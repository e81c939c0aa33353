using Microsoft.Data.Sqlite;
using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// The availability store in an SQLite file: the embedded default of the service. Write-ahead logging, one
/// immediate transaction per reservation (so concurrent dispatchers, threads or processes, serialise on the
/// database's write lock and a reservation is applied whole or not at all), and <c>synchronous=FULL</c> so a
/// committed reservation survives a crash of the process or the machine.
/// </summary>
public sealed class SqliteAvailabilityStore : IAvailabilityStore
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;

    public SqliteAvailabilityStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
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
            CREATE TABLE IF NOT EXISTS days (day INTEGER PRIMARY KEY, capacity INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS active (day INTEGER NOT NULL, user INTEGER NOT NULL, PRIMARY KEY (day, user)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS counts (day INTEGER NOT NULL, user INTEGER NOT NULL, matched INTEGER NOT NULL, PRIMARY KEY (day, user)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS dispatched (day INTEGER NOT NULL, item INTEGER NOT NULL, PRIMARY KEY (day, item)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS matches (day INTEGER NOT NULL, item INTEGER NOT NULL, rank INTEGER NOT NULL, user INTEGER NOT NULL);
            CREATE UNIQUE INDEX IF NOT EXISTS matches_by_item ON matches (day, item, rank);
            CREATE INDEX IF NOT EXISTS matches_by_user ON matches (day, user);
            """);
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT version FROM schema_info";
        var version = check.ExecuteScalar();
        if (version is null) Execute(connection, $"INSERT INTO schema_info VALUES ({SchemaVersion})");
        else if (Convert.ToInt32(version, System.Globalization.CultureInfo.InvariantCulture) != SchemaVersion)
            throw new InvalidDataException($"{Path}: availability store schema version {version} is not supported (expected {SchemaVersion}).");
    }

    public string Path { get; }

    public void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers)
    {
        ReservationRules.CheckOpen(day, capacity, activeUsers);
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var open = Capacity(connection, transaction, day);
        if (open is not null)
        {
            if (open != capacity) throw ReservationRules.CapacityMismatch(day, open.Value, capacity);
            return;
        }
        using (var insertDay = Command(connection, transaction, "INSERT INTO days VALUES ($day, $capacity)", ("$day", day), ("$capacity", capacity)))
            insertDay.ExecuteNonQuery();
        using var insertActive = Command(connection, transaction, "INSERT OR IGNORE INTO active VALUES ($day, $user)", ("$day", day), ("$user", 0));
        foreach (var user in activeUsers)
        {
            insertActive.Parameters["$user"].Value = user;
            insertActive.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit)
    {
        ReservationRules.CheckReserve(day, item, candidates, limit);
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var capacity = Capacity(connection, transaction, day) ?? throw ReservationRules.DayNotOpen(day);
        using (var dispatched = Command(connection, transaction, "SELECT 1 FROM dispatched WHERE day = $day AND item = $item", ("$day", day), ("$item", item)))
            if (dispatched.ExecuteScalar() is not null)
                return new Reservation(item, ReadUsers(connection, transaction, day, item), [], AlreadyDispatched: true);

        // Set-based: one statement reads every candidate's state, the choice is made here in candidate order, and two
        // statements write it — a handful of statements per reservation instead of two per candidate.
        var matchedOf = new Dictionary<int, int>();
        using (var state = Command(connection, transaction, """
            SELECT DISTINCT j.value, coalesce(c.matched, 0) FROM json_each($users) j
            JOIN active a ON a.day = $day AND a.user = j.value
            LEFT JOIN counts c ON c.day = $day AND c.user = j.value
            """, ("$day", day), ("$users", Json(candidates))))
        using (var reader = state.ExecuteReader())
            while (reader.Read()) matchedOf[reader.GetInt32(0)] = reader.GetInt32(1);

        var users = new List<int>();
        var filled = new List<int>();
        var chosen = new HashSet<int>();
        foreach (var user in candidates)
        {
            if (users.Count == limit) break;
            if (!matchedOf.TryGetValue(user, out var matched) || matched >= capacity || !chosen.Add(user)) continue;
            users.Add(user);
            if (matched + 1 == capacity) filled.Add(user);
        }
        if (users.Count > 0)
        {
            var list = Json(users);
            using (var bump = Command(connection, transaction, """
                INSERT INTO counts SELECT $day, value, 1 FROM json_each($users) WHERE true
                ON CONFLICT (day, user) DO UPDATE SET matched = matched + 1
                """, ("$day", day), ("$users", list)))
                bump.ExecuteNonQuery();
            // json_each's key is the array index: the rank of the user among the item's matches.
            using (var match = Command(connection, transaction,
                "INSERT INTO matches SELECT $day, $item, key, value FROM json_each($users) ORDER BY key", ("$day", day), ("$item", item), ("$users", list)))
                match.ExecuteNonQuery();
        }
        using (var record = Command(connection, transaction, "INSERT INTO dispatched VALUES ($day, $item)", ("$day", day), ("$item", item)))
            record.ExecuteNonQuery();
        transaction.Commit();
        return new Reservation(item, users, filled, AlreadyDispatched: false);
    }

    public IReadOnlyList<int> MatchedItems(int day, int user)
    {
        using var connection = Open();
        RequireDay(connection, day);
        using var query = Command(connection, null, "SELECT item FROM matches WHERE day = $day AND user = $user ORDER BY rowid", ("$day", day), ("$user", user));
        return ReadInts(query);
    }

    public IReadOnlyList<int> ReservedUsers(int day, int item)
    {
        using var connection = Open();
        RequireDay(connection, day);
        return ReadUsers(connection, null, day, item);
    }

    public bool IsAvailable(int day, int user)
    {
        using var connection = Open();
        var capacity = RequireDay(connection, day);
        using var query = Command(connection, null,
            "SELECT EXISTS (SELECT 1 FROM active WHERE day = $day AND user = $user) AND coalesce((SELECT matched FROM counts WHERE day = $day AND user = $user), 0) < $capacity",
            ("$day", day), ("$user", user), ("$capacity", capacity));
        return Convert.ToInt64(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    public void Dispose() => SqliteConnection.ClearPool(new SqliteConnection(_connectionString));

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        return connection;
    }

    private int RequireDay(SqliteConnection connection, int day) => Capacity(connection, null, day) ?? throw ReservationRules.DayNotOpen(day);

    private static int? Capacity(SqliteConnection connection, SqliteTransaction? transaction, int day)
    {
        using var query = Command(connection, transaction, "SELECT capacity FROM days WHERE day = $day", ("$day", day));
        return query.ExecuteScalar() is { } value ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static string Json(IEnumerable<int> ids) => "[" + string.Join(',', ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private static List<int> ReadUsers(SqliteConnection connection, SqliteTransaction? transaction, int day, int item)
    {
        using var query = Command(connection, transaction, "SELECT user FROM matches WHERE day = $day AND item = $item ORDER BY rank", ("$day", day), ("$item", item));
        return ReadInts(query);
    }

    private static List<int> ReadInts(SqliteCommand query)
    {
        var values = new List<int>();
        using var reader = query.ExecuteReader();
        while (reader.Read()) values.Add(reader.GetInt32(0));
        return values;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
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
