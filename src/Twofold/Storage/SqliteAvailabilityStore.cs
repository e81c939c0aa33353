using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// The availability store in an SQLite file: the embedded default of the service. The file is an append-only
/// ledger: one row per dispatched item with its users, written in one immediate transaction under write-ahead
/// logging with <c>synchronous=FULL</c> (by default; <see cref="SqliteDurability"/>), so a reservation is durable when
/// <see cref="Reserve"/> returns and a crash leaves each reservation whole or absent. The counters |D_u| and the result cache D_u are
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
/// Reads never wait for a commit: they have a connection of their own, and the ledger in memory is changed only under
/// a short lock of its own, once rows are durable (a batch is decided against <see cref="PendingReservations"/>, not
/// against the ledger readers see), so a reader sees every reservation committed before it asked and nothing that
/// could still be lost.
/// The views <c>dispatched</c>, <c>matches</c> and <c>counts</c> show the ledger per item, per match and per user
/// for inspection with any SQLite client.
/// </remarks>
public sealed class SqliteAvailabilityStore : IAvailabilityStore
{
    private const int SchemaVersion = 2;

    // Lock order: a connection's gate before the state's, never the other way, and never both connections' gates.
    /// <summary>The writer connection: one group commit at a time, and opening days.</summary>
    private readonly Lock _writeGate = new();
    /// <summary>The reader connection, and what it last saw of the file (the two fields below).</summary>
    private readonly Lock _readGate = new();
    /// <summary>The days in memory: the dictionary and every day's ledger and position.</summary>
    private readonly Lock _state = new();
    private readonly List<PendingReservation> _queue = [];
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _reader;
    private readonly Dictionary<int, LoadedDay> _days = new();
    private long _readerDataVersion = -1;
    private long _readerLastRow;

    /// <param name="durability">What a reservation survives once <see cref="Reserve"/> returns (<see cref="SqliteDurability.Full"/> unless given).</param>
    public SqliteAvailabilityStore(string path, SqliteDurability durability = SqliteDurability.Full)
    {
        Durability = durability;
        Path = System.IO.Path.GetFullPath(path);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString();
        _writer = new SqliteConnection(connectionString);
        _reader = new SqliteConnection(connectionString);
        try
        {
            _writer.Open();
            Execute("PRAGMA journal_mode = WAL; " + durability.Statement());
            CreateSchema();
            _reader.Open();
        }
        catch
        {
            _reader.Dispose();
            _writer.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public SqliteDurability Durability { get; }

    /// <summary>The writer connection's <c>PRAGMA synchronous</c> as SQLite reports it (1 = NORMAL, 2 = FULL).</summary>
    internal long SynchronousSetting
    {
        get
        {
            lock (_writeGate) return SqliteDurabilityPragma.Synchronous(_writer);
        }
    }

    public void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers)
    {
        ReservationRules.CheckOpen(day, capacity, activeUsers);
        lock (_writeGate)
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
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
        lock (_writeGate)
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
        try
        {
            // The immediate transaction takes the file's write lock first, so the state read below is final.
            using var transaction = _writer.BeginTransaction(deferred: false);
            var last = LastRow(transaction);
            var days = new Dictionary<int, LoadedDay>();
            foreach (var day in batch.Select(r => r.Day).Distinct())
            {
                try
                {
                    days[day] = Current(transaction, day, last);
                }
                catch (InvalidOperationException e)
                {
                    foreach (var request in batch.Where(r => r.Day == day)) request.Error = e; // this day is not open: only its requests fail
                }
            }
            var decided = Decide(batch.Where(r => r.Error is null), days);
            using var append = Command(transaction, "INSERT INTO ledger (day, item, users) VALUES ($day, $item, $users) RETURNING seq",
                ("$day", 0), ("$item", 0), ("$users", ""));
            var appended = new List<(int Day, long Row, int Item, int[] Users)>();
            foreach (var (request, users) in decided)
            {
                append.Parameters["$day"].Value = request.Day;
                append.Parameters["$item"].Value = request.Item;
                append.Parameters["$users"].Value = Json(users);
                appended.Add((request.Day, Convert.ToInt64(append.ExecuteScalar(), CultureInfo.InvariantCulture), request.Item, users));
            }
            transaction.Commit();
            if (appended.Count > 0) ApplyCommitted(last, appended);
        }
        catch (Exception e)
        {
            // Nothing in memory changed before the commit, so a failed one leaves only its requests to fail.
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

    /// <summary>
    /// Each request's users, in queue order, each seeing the ones before it; the requests that reserve something new
    /// are returned with their users (the others already have their result).
    /// </summary>
    private List<(PendingReservation Request, int[] Users)> Decide(IEnumerable<PendingReservation> requests, Dictionary<int, LoadedDay> days)
    {
        var decided = new List<(PendingReservation, int[])>();
        var pendingByDay = new Dictionary<int, PendingReservations>();
        var ordered = requests.ToList();
        var expectedUsers = 0; // the pending counts' table is sized once rather than grown by doubling
        foreach (var request in ordered) expectedUsers += request.Limit;
        lock (_state)
            for (var k = 0; k < ordered.Count; k++)
            {
                var request = ordered[k];
                var ledger = days[request.Day].Ledger;
                if (!pendingByDay.TryGetValue(request.Day, out var pending)) pendingByDay[request.Day] = pending = new PendingReservations(expectedUsers);
                if (ledger.TryGetReservation(request.Item, out var existing) || pending.TryGetReservation(request.Item, out existing))
                {
                    request.Result = new Reservation(request.Item, [.. existing], [], AlreadyDispatched: true);
                    continue;
                }
                var users = ledger.Choose(request.Candidates, request.Limit, pending);
                request.Result = new Reservation(request.Item, [.. users], ledger.Filled(users, pending), AlreadyDispatched: false);
                if (k < ordered.Count - 1) pending.Add(request.Item, users); // only later requests look
                decided.Add((request, users));
            }
        return decided;
    }

    /// <summary>
    /// Applies a batch's rows, now durable, to the days in memory. Rows after <paramref name="last"/> are all this batch's,
    /// so every day that was current at <paramref name="last"/> becomes current at the batch's last row; a reader may have
    /// applied them first, from the file.
    /// </summary>
    private void ApplyCommitted(long last, List<(int Day, long Row, int Item, int[] Users)> appended)
    {
        var through = appended[^1].Row;
        lock (_state)
            foreach (var (day, loaded) in _days)
            {
                if (loaded.Through < last || loaded.Through >= through) continue;
                foreach (var row in appended)
                    if (row.Day == day) loaded.Ledger.Apply(row.Item, row.Users);
                loaded.Through = through;
            }
    }

    public IReadOnlyList<int> MatchedItems(int day, int user) => Read(day, ledger => ledger.MatchedItems(user));

    public IReadOnlyList<int> ReservedUsers(int day, int item) => Read(day, ledger => ledger.ReservedUsers(item));

    public bool IsAvailable(int day, int user) => Read(day, ledger => ledger.IsAvailable(user));

    public IReadOnlyList<int> AvailableAmong(int day, IEnumerable<int> users) => Read(day, ledger => users.Where(ledger.IsAvailable).ToList());

    public void Dispose()
    {
        lock (_writeGate) _writer.Dispose();
        lock (_readGate) _reader.Dispose();
    }

    /// <summary>
    /// Reads the day as of now: with every row committed before the call, by this process or another, and nothing more.
    /// </summary>
    /// <remarks>
    /// The usual read costs one <c>PRAGMA data_version</c> on the reader's connection, which changes only when another
    /// connection (this store's writer too) commits; a short read transaction then finds the last row and applies what
    /// the writer has not applied yet.
    /// </remarks>
    private T Read<T>(int day, Func<DayLedger, T> read)
    {
        lock (_readGate)
            while (true)
            {
                var version = DataVersion(_reader);
                if (version != _readerDataVersion)
                {
                    using var transaction = _reader.BeginTransaction(deferred: true);
                    _readerLastRow = LastRow(transaction);
                    Current(transaction, day, _readerLastRow);
                    transaction.Commit();
                    _readerDataVersion = version;
                }
                lock (_state)
                    if (_days.TryGetValue(day, out var loaded) && loaded.Through >= _readerLastRow) return read(loaded.Ledger);
                // The day is not in memory yet, or was dropped after a failed catch-up: read it from the file.
                _readerDataVersion = -1;
            }
    }

    /// <summary>
    /// The day in memory with every row through <paramref name="last"/> (the transaction's last row) applied: read from
    /// the file on first use, and brought up to date with the rows appended since, which also brings the other days
    /// held in memory along.
    /// </summary>
    private LoadedDay Current(SqliteTransaction transaction, int day, long last)
    {
        while (true)
        {
            LoadedDay? loaded;
            lock (_state) _days.TryGetValue(day, out loaded);
            if (loaded is null)
            {
                var read = ReadDay(transaction, day, last);
                lock (_state)
                    if (!_days.TryGetValue(day, out loaded))
                    {
                        _days[day] = loaded = read;
                        ForgetDaysBefore(day);
                    }
            }
            if (loaded.Through >= last) return loaded;
            CatchUp(transaction, last);
        }
    }

    /// <summary>
    /// When <paramref name="day"/> is the newest day in memory, the days before the one preceding it leave memory. A
    /// day's ledger holds Q rows per active user (its arrays take about 17 MB at 300,000 active users of 1,000,000),
    /// and a service that opens a day every day would otherwise keep them all. They stay in the file and are read back
    /// if asked for. Called under <see cref="_state"/>.
    /// </summary>
    private void ForgetDaysBefore(int day)
    {
        if (_days.Keys.Any(d => d > day)) return; // an older day read back: the newer ones stay
        foreach (var old in _days.Keys.Where(d => d < day - 1).ToList()) _days.Remove(old);
    }

    /// <summary>The days whose ledger is held in memory.</summary>
    internal int DaysInMemory
    {
        get
        {
            lock (_state) return _days.Count;
        }
    }

    /// <summary>
    /// Applies the rows after the earliest position of the days in memory, through <paramref name="last"/>, to every day
    /// at or after that position. A day read meanwhile from an older state is left for the next round (its rows between
    /// would be missing), so each day's rows are applied once each, in order, without gaps.
    /// </summary>
    private void CatchUp(SqliteTransaction transaction, long last)
    {
        long after;
        lock (_state) after = _days.Count == 0 ? last : _days.Values.Min(d => d.Through); // empty: a failed catch-up dropped the day
        var rows = new List<(long Row, int Day, int Item, string Users)>();
        using (var query = Command(transaction, "SELECT seq, day, item, users FROM ledger WHERE seq > $after AND seq <= $last ORDER BY seq",
                   ("$after", after), ("$last", last)))
        using (var reader = query.ExecuteReader())
            while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetString(3)));
        lock (_state)
            foreach (var (day, loaded) in _days.ToList())
            {
                if (loaded.Through < after || loaded.Through >= last) continue;
                try
                {
                    foreach (var row in rows)
                        if (row.Day == day && row.Row > loaded.Through) ApplyRow(loaded.Ledger, row.Row, row.Item, row.Users);
                }
                catch
                {
                    _days.Remove(day); // half caught up: read again from the file when next asked for
                    throw;
                }
                loaded.Through = last;
            }
    }

    /// <summary>The day as of the transaction's state, whose last row is <paramref name="last"/>.</summary>
    private LoadedDay ReadDay(SqliteTransaction transaction, int day, long last)
    {
        DayLedger ledger;
        using (var query = Command(transaction, "SELECT capacity, active FROM days WHERE day = $day", ("$day", day)))
        using (var reader = query.ExecuteReader())
        {
            if (!reader.Read()) throw ReservationRules.DayNotOpen(day);
            ledger = new DayLedger(reader.GetInt32(0), Unpack((byte[])reader.GetValue(1)));
        }
        using (var rows = Command(transaction, "SELECT seq, item, users FROM ledger WHERE day = $day AND seq <= $last ORDER BY seq",
                   ("$day", day), ("$last", last)))
        using (var reader = rows.ExecuteReader())
            while (reader.Read()) ApplyRow(ledger, reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2));
        return new LoadedDay(ledger) { Through = last };
    }

    private long LastRow(SqliteTransaction transaction)
    {
        using var query = Command(transaction, "SELECT coalesce(max(seq), 0) FROM ledger");
        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long DataVersion(SqliteConnection connection)
    {
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA data_version";
        return Convert.ToInt64(pragma.ExecuteScalar(), CultureInfo.InvariantCulture);
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
        using var transaction = _writer.BeginTransaction(deferred: false);
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
        // Formatted into a rented buffer: a string per user and a builder per row were about a seventh of what a
        // dispatch with this store allocated (bench/README.md, "Allocations of a dispatch").
        var buffer = ArrayPool<char>.Shared.Rent(users.Length * 11 + 2); // an int takes at most 11 characters
        try
        {
            var at = 0;
            buffer[at++] = '[';
            for (var k = 0; k < users.Length; k++)
            {
                if (k > 0) buffer[at++] = ',';
                users[k].TryFormat(buffer.AsSpan(at), out var written, provider: CultureInfo.InvariantCulture);
                at += written;
            }
            buffer[at++] = ']';
            return new string(buffer, 0, at);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
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

    /// <summary>A command on the transaction's connection, or on the writer's outside a transaction.</summary>
    private SqliteCommand Command(SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = (transaction?.Connection ?? _writer).CreateCommand();
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

        /// <summary>The ledger position this day is current at: every one of its rows up to this one is applied, none after.</summary>
        public long Through { get; set; }
    }
}
