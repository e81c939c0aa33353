using StackExchange.Redis;
using Twofold.CreatorSide;

namespace Twofold.Storage;

/// <summary>
/// The availability store in Redis, for dispatchers on several machines. Each reservation is one Lua script, which
/// Redis runs atomically, so concurrent dispatchers can never push a user past Q or apply half a reservation.
/// All keys of a day share the hash tag <c>{prefix:day}</c>, so a day lives on one node of a cluster.
/// Durability is Redis's: run it with <c>appendonly yes</c> and <c>appendfsync always</c> when acknowledged
/// reservations must survive a crash of the server.
/// </summary>
public sealed class RedisAvailabilityStore : IAvailabilityStore
{
    private const int ActiveChunk = 10_000;

    // ARGV: item, limit, candidates...; KEYS: capacity, active set, counts hash, item list, D_u key prefix.
    // The item list starts with a marker so an item dispatched to nobody is still recorded as dispatched.
    private const string ReserveScript = """
        local capacity = redis.call('GET', KEYS[1])
        if not capacity then return redis.error_reply('day not open') end
        capacity = tonumber(capacity)
        if redis.call('EXISTS', KEYS[4]) == 1 then
          return {1, redis.call('LRANGE', KEYS[4], 1, -1), {}}
        end
        local limit = tonumber(ARGV[2])
        local users, filled, seen = {}, {}, {}
        for i = 3, #ARGV do
          if #users >= limit then break end
          local user = ARGV[i]
          if not seen[user] then
            seen[user] = true
            if redis.call('SISMEMBER', KEYS[2], user) == 1 then
              local matched = tonumber(redis.call('HGET', KEYS[3], user) or '0')
              if matched < capacity then
                redis.call('HINCRBY', KEYS[3], user, 1)
                redis.call('RPUSH', KEYS[5] .. user, ARGV[1])
                users[#users + 1] = user
                if matched + 1 == capacity then filled[#filled + 1] = user end
              end
            end
          end
        end
        redis.call('RPUSH', KEYS[4], '-', unpack(users))
        return {0, users, filled}
        """;

    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _db;
    private readonly string _prefix;

    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</param>
    /// <param name="prefix">Namespace of this store's keys, so several stores can share a server.</param>
    public RedisAvailabilityStore(string configuration, string prefix = "twofold")
    {
        if (string.IsNullOrWhiteSpace(prefix) || prefix.Contains('{') || prefix.Contains('}'))
            throw new ArgumentException($"The key prefix '{prefix}' must be non-empty and contain no braces.", nameof(prefix));
        _connection = ConnectionMultiplexer.Connect(configuration);
        _db = _connection.GetDatabase();
        _prefix = prefix;
    }

    public void OpenDay(int day, int capacity, IReadOnlyCollection<int> activeUsers)
    {
        ReservationRules.CheckOpen(day, capacity, activeUsers);
        var keys = Keys(day);
        var open = _db.StringGet(keys.Capacity);
        if (open.HasValue)
        {
            if ((int)open != capacity) throw ReservationRules.CapacityMismatch(day, (int)open, capacity);
            return;
        }
        // The active set is written first and the capacity key last: a day counts as open only once it is whole,
        // and an interrupted open is completed by calling it again (set additions are idempotent).
        foreach (var chunk in activeUsers.Chunk(ActiveChunk))
            _db.SetAdd(keys.Active, chunk.Select(u => (RedisValue)u).ToArray());
        if (!_db.StringSet(keys.Capacity, capacity, when: When.NotExists))
        {
            var now = (int)_db.StringGet(keys.Capacity);
            if (now != capacity) throw ReservationRules.CapacityMismatch(day, now, capacity);
        }
    }

    public Reservation Reserve(int day, int item, IReadOnlyList<int> candidates, int limit)
    {
        ReservationRules.CheckReserve(day, item, candidates, limit);
        var keys = Keys(day);
        var arguments = new RedisValue[candidates.Count + 2];
        arguments[0] = item;
        arguments[1] = limit;
        for (var c = 0; c < candidates.Count; c++) arguments[c + 2] = candidates[c];
        RedisResult result;
        try
        {
            result = _db.ScriptEvaluate(ReserveScript, [keys.Capacity, keys.Active, keys.Counts, keys.Item(item), keys.MatchedPrefix], arguments);
        }
        catch (RedisServerException e) when (e.Message.Contains("day not open", StringComparison.Ordinal))
        {
            throw ReservationRules.DayNotOpen(day);
        }
        var parts = (RedisResult[])result!;
        return new Reservation(item, Ints(parts[1]), Ints(parts[2]), AlreadyDispatched: (int)parts[0] == 1);
    }

    public IReadOnlyList<int> MatchedItems(int day, int user)
    {
        var keys = RequireDay(day);
        return _db.ListRange(keys.MatchedPrefix + user.ToString(System.Globalization.CultureInfo.InvariantCulture)).Select(v => (int)v).ToList();
    }

    public IReadOnlyList<int> ReservedUsers(int day, int item)
    {
        var keys = RequireDay(day);
        return _db.ListRange(keys.Item(item), 1, -1).Select(v => (int)v).ToList();
    }

    public bool IsAvailable(int day, int user)
    {
        var keys = Keys(day);
        var capacity = _db.StringGet(keys.Capacity);
        if (!capacity.HasValue) throw ReservationRules.DayNotOpen(day);
        if (!_db.SetContains(keys.Active, user)) return false;
        var matched = _db.HashGet(keys.Counts, user);
        return (matched.HasValue ? (int)matched : 0) < (int)capacity;
    }

    /// <summary>Two commands per 10,000 users (SMISMEMBER on the active set, HMGET on the counts) instead of three per user.</summary>
    public IReadOnlyList<int> AvailableAmong(int day, IEnumerable<int> users)
    {
        var keys = Keys(day);
        var capacity = _db.StringGet(keys.Capacity);
        if (!capacity.HasValue) throw ReservationRules.DayNotOpen(day);
        var available = new List<int>();
        foreach (var chunk in users.Chunk(10_000))
        {
            var values = Array.ConvertAll(chunk, u => (RedisValue)u);
            var active = _db.SetContains(keys.Active, values);
            var counts = _db.HashGet(keys.Counts, values);
            for (var k = 0; k < chunk.Length; k++)
                if (active[k] && (counts[k].HasValue ? (int)counts[k] : 0) < (int)capacity) available.Add(chunk[k]);
        }
        return available;
    }

    public void Dispose() => _connection.Dispose();

    private DayKeys RequireDay(int day)
    {
        var keys = Keys(day);
        if (!_db.KeyExists(keys.Capacity)) throw ReservationRules.DayNotOpen(day);
        return keys;
    }

    private DayKeys Keys(int day) => new($"{{{_prefix}:{day}}}");

    private static List<int> Ints(RedisResult result) => ((RedisResult[])result!).Select(r => (int)r).ToList();

    private readonly record struct DayKeys(string Tag)
    {
        public string Capacity => Tag + ":capacity";
        public string Active => Tag + ":active";
        public string Counts => Tag + ":counts";
        public string MatchedPrefix => Tag + ":matched:";
        public string Item(int item) => Tag + ":item:" + item.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
