using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// The availability store in an SQLite file: the embedded default of the service. The file is an append-only
/// ledger: one row per dispatched item with its users, written in one immediate transaction with
/// <c>synchronous=FULL</c> under write-ahead logging, so a reservation is durable when <see cref="Reserve"/>
/// returns and a crash leaves each reservation whole or absent. The counters |D_u| and the result cache D_u are
/// kept in process (<see cref="DayLedger"/>, the same rule as the in-memory store) and rebuilt by replaying a
/// day's rows when the day is first touched.
/// </summary>
/// <remarks>
/// Why a ledger rather than a row per user: updating ~200 random users' counters and a by-user index per
/// reservation dirtied a page per user, about a megabyte of write-ahead log per commit, which held the store near
/// 120 reservations/s; one appended row is a page or two. Several processes may share a file: each operation
/// first applies the rows other processes appended since (rows are numbered in commit order), and a reservation
/// does so inside its write transaction, so the cap holds across processes as it does across threads.
/// Reservations from several threads that arrive while a commit is being written are committed together in the next
/// transaction (group commit), each returning only once its row is durable: one fsync then serves many reservations,
/// and a crash loses a whole group or nothing of it.
/// The views <c>dispatched</c>, <c>matches</c> and <c>counts</c> show the ledger per item, per match and per user
/// for inspection with any SQLite client.
/// </remarks>
public sealed class SqliteAvailabilityStore : IAvailabilityStore
{
    private const int SchemaVersion = 2;
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(500);
    private readonly Lock _gate = new();
    private readonly List<PendingReservation> _queue = [];
    private readonly SqliteConnection _connection;
    private readonly WalCheckpointer _checkpointer;
    private readonly Dictionary<int, LoadedDay> _days = new();
    private long _appliedThrough;
    private long _seenDataVersion = -1;

    public SqliteAvailabilityStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString();
        _connection = new SqliteConnection(connectionString);
        try
        {
            _connection.Open();
            // The log is copied back into the file by the checkpointer's thread, never by a commit (see WalCheckpointer).
            Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;");
            CreateSchema();
            _checkpointer = new WalCheckpointer(connectionString, CheckpointInterval);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>Checkpoints of the write-ahead log run so far (see <see cref="WalCheckpointer"/>).</summary>
    internal int CheckpointsCompleted => _checkpointer.Completed;

    public void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers)
    {
        ReservationRules.CheckOpen(day, capacity, activeUsers);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var open = Capacity(transaction, day);
            if (open is not null)
            {
                if (open != capacity) throw ReservationRules.CapacityMismatch(day, open.Value, capacity);
                return;
            }
            using (var insert = Command(transaction, "INSERT INTO days VALUES ($day, $capacity, $active)",
                       ("$day", day), ("$capacity", capacity), ("$active", Pack(activeUsers))))
                insert.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    public Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit) =>
        ReserveMany(day, [new ReservationRequest(item, candidates)], limit)[0];

    /// <summary>The batch is queued as one unit, so it is committed in one transaction (with whatever else is queued).</summary>
    public IReadOnlyList<Reservation> ReserveMany(int day, IReadOnlyList<ReservationRequest> requests, int limit)
    {
        foreach (var request in requests) ReservationRules.CheckReserve(day, request.Item, request.Candidates, limit);
        var pending = requests.Select(r => new PendingReservation(day, r.Item, r.Candidates, limit)).ToList();
        lock (_queue) _queue.AddRange(pending);
        lock (_gate)
        {
            // Group commit: whoever holds the gate commits every reservation queued meanwhile in one transaction,
            // so dispatchers on several threads share one fsync. Requests already committed by an earlier holder
            // only collect their results.
            if (pending.Any(p => !p.Done)) CommitQueued();
        }
        return pending.Select(p => p.Error is { } error ? throw error : p.Result!).ToList();
    }

    /// <summary>Decides and appends every queued reservation in one immediate transaction, in queue order.</summary>
    private void CommitQueued()
    {
        List<PendingReservation> batch;
        lock (_queue)
        {
            batch = [.. _queue];
            _queue.Clear();
        }
        var touched = new HashSet<int>();
        try
        {
            // The immediate transaction takes the file's write lock first, so the state read below is final.
            using var transaction = _connection.BeginTransaction(deferred: false);
            CatchUp(transaction);
            using var append = Command(transaction, "INSERT INTO ledger (day, item, users) VALUES ($day, $item, $users) RETURNING seq",
                ("$day", 0), ("$item", 0), ("$users", ""));
            var appended = new List<(LoadedDay Day, long Sequence)>();
            foreach (var request in batch)
            {
                LoadedDay loaded;
                try
                {
                    loaded = Load(transaction, request.Day);
                }
                catch (InvalidOperationException e)
                {
                    request.Error = e; // this day is not open: only this request fails
                    continue;
                }
                if (loaded.Ledger.TryGetReservation(request.Item, out var existing))
                {
                    request.Result = new Reservation(request.Item, [.. existing], [], AlreadyDispatched: true);
                    continue;
                }
                var users = loaded.Ledger.Choose(request.Candidates, request.Limit);
                append.Parameters["$day"].Value = request.Day;
                append.Parameters["$item"].Value = request.Item;
                append.Parameters["$users"].Value = Json(users);
                var sequence = Convert.ToInt64(append.ExecuteScalar(), CultureInfo.InvariantCulture);
                // Applied before the commit so later requests of the batch see these users' new counts; undone below
                // (the day is reloaded from the file) if the commit fails.
                touched.Add(request.Day);
                var filled = loaded.Ledger.Apply(request.Item, users);
                appended.Add((loaded, sequence));
                request.Result = new Reservation(request.Item, [.. users], filled, AlreadyDispatched: false);
            }
            transaction.Commit();
            foreach (var (loaded, sequence) in appended)
            {
                loaded.Through = sequence;
                _appliedThrough = sequence;
            }
        }
        catch (Exception e)
        {
            foreach (var day in touched) _days.Remove(day);
            foreach (var request in batch)
            {
                request.Result = null;
                request.Error ??= e;
            }
        }
        finally
        {
            foreach (var request in batch) request.Done = true;
        }
    }

    public IReadOnlyList<int> MatchedItems(int day, int user)
    {
        lock (_gate) return Current(day).MatchedItems(user);
    }

    public IReadOnlyList<int> ReservedUsers(int day, int item)
    {
        lock (_gate) return Current(day).ReservedUsers(item);
    }

    public bool IsAvailable(int day, int user)
    {
        lock (_gate) return Current(day).IsAvailable(user);
    }

    public IReadOnlyList<int> AvailableAmong(int day, IEnumerable<int> users)
    {
        lock (_gate)
        {
            var ledger = Current(day);
            return users.Where(ledger.IsAvailable).ToList();
        }
    }

    public void Dispose()
    {
        _checkpointer.Dispose();
        lock (_gate) _connection.Dispose();
    }

    private void CreateSchema()
    {
        Execute("CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)");
        using (var check = Command(null, "SELECT version FROM schema_info"))
        {
            var version = check.ExecuteScalar();
            if (version is not null && Convert.ToInt32(version, CultureInfo.InvariantCulture) != SchemaVersion)
                throw new InvalidDataException($"{Path}: availability store schema version {version} is not supported (expected {SchemaVersion}).");
            if (version is not null) return;
        }
        using var transaction = _connection.BeginTransaction(deferred: false);
        Execute($"""
            CREATE TABLE IF NOT EXISTS days (day INTEGER PRIMARY KEY, capacity INTEGER NOT NULL, active BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, day INTEGER NOT NULL, item INTEGER NOT NULL, users TEXT NOT NULL,
                UNIQUE (day, item));
            CREATE VIEW IF NOT EXISTS dispatched AS SELECT day, item FROM ledger;
            CREATE VIEW IF NOT EXISTS matches AS SELECT l.day, l.item, j.key AS rank, j.value AS user FROM ledger l, json_each(l.users) j;
            CREATE VIEW IF NOT EXISTS counts AS SELECT day, user, count(*) AS matched FROM matches GROUP BY day, user;
            INSERT INTO schema_info SELECT {SchemaVersion} WHERE NOT EXISTS (SELECT 1 FROM schema_info);
            """, transaction);
        transaction.Commit();
    }

    /// <summary>The day's ledger in process, with the rows other processes appended since applied.</summary>
    /// <remarks>The usual read costs one <c>PRAGMA data_version</c>; a transaction is opened only to catch up or to load the day.</remarks>
    private DayLedger Current(int day)
    {
        if (DataVersion(null) == _seenDataVersion && _days.TryGetValue(day, out var loaded)) return loaded.Ledger;
        using var transaction = _connection.BeginTransaction(deferred: true);
        CatchUp(transaction);
        var ledger = Load(transaction, day).Ledger;
        transaction.Commit();
        return ledger;
    }

    private long DataVersion(SqliteTransaction? transaction)
    {
        using var pragma = Command(transaction, "PRAGMA data_version");
        return Convert.ToInt64(pragma.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Applies rows appended since the last one this store saw to the days it holds in memory.</summary>
    private void CatchUp(SqliteTransaction transaction)
    {
        // data_version changes only when another connection commits, so the usual case costs no query of the ledger.
        var version = DataVersion(transaction);
        if (version == _seenDataVersion) return;
        _seenDataVersion = version;
        using var query = Command(transaction, "SELECT seq, day, item, users FROM ledger WHERE seq > $after ORDER BY seq", ("$after", _appliedThrough));
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            var sequence = reader.GetInt64(0);
            if (_days.TryGetValue(reader.GetInt32(1), out var loaded) && sequence > loaded.Through)
            {
                ApplyRow(loaded.Ledger, sequence, reader.GetInt32(2), reader.GetString(3));
                loaded.Through = sequence;
            }
            _appliedThrough = sequence;
        }
    }

    /// <summary>The day in memory; on first use, read from the file and its ledger rows replayed in commit order.</summary>
    private LoadedDay Load(SqliteTransaction transaction, int day)
    {
        if (_days.TryGetValue(day, out var loaded)) return loaded;
        DayLedger ledger;
        using (var query = Command(transaction, "SELECT capacity, active FROM days WHERE day = $day", ("$day", day)))
        using (var reader = query.ExecuteReader())
        {
            if (!reader.Read()) throw ReservationRules.DayNotOpen(day);
            ledger = new DayLedger(reader.GetInt32(0), Unpack((byte[])reader.GetValue(1)));
        }
        loaded = new LoadedDay(ledger);
        using (var rows = Command(transaction, "SELECT seq, item, users FROM ledger WHERE day = $day ORDER BY seq", ("$day", day)))
        using (var reader = rows.ExecuteReader())
            while (reader.Read())
            {
                loaded.Through = reader.GetInt64(0);
                ApplyRow(ledger, loaded.Through, reader.GetInt32(1), reader.GetString(2));
            }
        _days[day] = loaded;
        return loaded;
    }

    private void ApplyRow(DayLedger ledger, long sequence, int item, string users)
    {
        try
        {
            ledger.Apply(item, JsonSerializer.Deserialize<int[]>(users) ?? throw new JsonException("null instead of an array"));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{Path}: ledger row {sequence} (item {item}) cannot be replayed: {e.Message}", e);
        }
    }

    private int? Capacity(SqliteTransaction transaction, int day)
    {
        using var query = Command(transaction, "SELECT capacity FROM days WHERE day = $day", ("$day", day));
        return query.ExecuteScalar() is { } value ? Convert.ToInt32(value, CultureInfo.InvariantCulture) : null;
    }

    private static string Json(int[] users)
    {
        var text = new StringBuilder(users.Length * 8 + 2).Append('[');
        for (var k = 0; k < users.Length; k++)
        {
            if (k > 0) text.Append(',');
            text.Append(users[k].ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }

    /// <summary>The active users as little-endian 32-bit integers (a million users take 4 MB rather than a million rows).</summary>
    private static byte[] Pack(IReadOnlyCollection<int> users)
    {
        var bytes = new byte[users.Count * sizeof(int)];
        var at = 0;
        foreach (var user in users)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), user);
            at += sizeof(int);
        }
        return bytes;
    }

    private static int[] Unpack(byte[] bytes)
    {
        var users = new int[bytes.Length / sizeof(int)];
        for (var k = 0; k < users.Length; k++) users[k] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(k * sizeof(int)));
        return users;
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    private void Execute(string sql, SqliteTransaction? transaction = null)
    {
        using var command = Command(transaction, sql);
        command.ExecuteNonQuery();
    }

    private sealed class PendingReservation(int day, int item, IReadOnlyList<int> candidates, int limit)
    {
        public int Day { get; } = day;
        public int Item { get; } = item;
        public IReadOnlyList<int> Candidates { get; } = candidates;
        public int Limit { get; } = limit;
        public bool Done { get; set; }
        public Reservation? Result { get; set; }
        public Exception? Error { get; set; }
    }

    private sealed class LoadedDay(DayLedger ledger)
    {
        public DayLedger Ledger { get; } = ledger;

        /// <summary>The last ledger row applied to this day.</summary>
        public long Through { get; set; }
    }
}
