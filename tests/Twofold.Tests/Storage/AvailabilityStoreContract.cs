using System.Diagnostics;
using System.Collections.Concurrent;
using Twofold.CreatorSide;
using Twofold.Storage;
using Twofold.Tests.Support;

namespace Twofold.Tests.Storage;

/// <summary>The behaviour every <see cref="IAvailabilityStore"/> must show; one subclass per implementation.</summary>
public abstract class AvailabilityStoreContract : IDisposable
{
    protected TempDirectory Directory { get; } = new();

    protected abstract IAvailabilityStore CreateStore();

    public void Dispose()
    {
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Reserve_takes_candidates_in_order_and_skips_inactive_full_and_repeated_users()
    {
        using var store = CreateStore();
        store.OpenDay(0, capacity: 2, activeUsers: [1, 2, 3, 4, 5]);
        Assert.Equal([2, 1], store.Reserve(0, item: 10, candidates: [2, 9, 2, 1, 3], limit: 2).Users);
        var second = store.Reserve(0, item: 11, candidates: [1, 4], limit: 5);
        Assert.Equal([1, 4], second.Users);
        Assert.Equal([1], second.Filled);
        Assert.Equal([3], store.Reserve(0, item: 12, candidates: [1, 3], limit: 5).Users);
        Assert.False(store.IsAvailable(0, 1));
        Assert.True(store.IsAvailable(0, 2));
        Assert.False(store.IsAvailable(0, 9));
        Assert.Equal([5, 2, 3, 4], store.AvailableAmong(0, [5, 1, 2, 9, 3, 4]));
        Assert.Equal([10, 11], store.MatchedItems(0, 1));
        Assert.Empty(store.MatchedItems(0, 5));
        Assert.Equal([1, 4], store.ReservedUsers(0, 11));
    }

    [Fact]
    public void Dispatching_an_item_again_returns_the_first_result_and_reserves_nothing()
    {
        using var store = CreateStore();
        store.OpenDay(3, capacity: 1, activeUsers: [1, 2, 3]);
        var first = store.Reserve(3, item: 7, candidates: [1, 2], limit: 5);
        var again = store.Reserve(3, item: 7, candidates: [3], limit: 5);
        Assert.False(first.AlreadyDispatched);
        Assert.True(again.AlreadyDispatched);
        Assert.Equal([1, 2], again.Users);
        Assert.Empty(again.Filled);
        Assert.True(store.IsAvailable(3, 3));
        Assert.Equal([7], store.MatchedItems(3, 1));
    }

    [Fact]
    public void Days_are_separate_and_reopening_keeps_a_day_as_it_is()
    {
        using var store = CreateStore();
        store.OpenDay(0, 1, [1]);
        store.Reserve(0, 5, [1], 1);
        store.OpenDay(0, 1, [1, 2]);
        store.OpenDay(1, 1, [1]);
        Assert.False(store.IsAvailable(0, 1));
        Assert.False(store.IsAvailable(0, 2));
        Assert.True(store.IsAvailable(1, 1));
        Assert.Empty(store.MatchedItems(1, 1));
        Assert.Throws<InvalidOperationException>(() => store.OpenDay(0, 2, [1]));
        Assert.Throws<InvalidOperationException>(() => store.Reserve(9, 5, [1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Reserve(0, 6, [1], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Reserve(0, 6, [-1], 1));
    }

    [Fact]
    public void The_same_dispatch_sequence_gives_the_ledger_the_rules_define()
    {
        using var store = CreateStore();
        var random = new Random(11);
        var active = Enumerable.Range(0, 300).Where(_ => random.NextDouble() < 0.7).ToList();
        store.OpenDay(0, 4, active);
        var reference = new RulesAsWritten(active, capacity: 4);
        for (var item = 0; item < 200; item++)
        {
            var candidates = Enumerable.Range(0, 40).Select(_ => random.Next(300)).ToList();
            var (users, filled) = reference.Reserve(item, candidates, limit: 20);
            var actual = store.Reserve(0, item, candidates, 20);
            Assert.Equal(users, actual.Users);
            Assert.Equal(filled, actual.Filled);
        }
        for (var user = 0; user < 300; user++) Assert.Equal(reference.Matched(user), store.MatchedItems(0, user));
    }

    /// <summary>
    /// The reservation rules written out as plainly as possible, independent of every store: candidates in order,
    /// skipping inactive, full and repeated users, at most <c>limit</c>; users reaching the cap are "filled".
    /// </summary>
    private sealed class RulesAsWritten(IEnumerable<int> active, int capacity)
    {
        private readonly HashSet<int> _active = [.. active];
        private readonly Dictionary<int, List<int>> _matched = [];

        public List<int> Matched(int user) => _matched.TryGetValue(user, out var items) ? items : [];

        public (List<int> Users, List<int> Filled) Reserve(int item, IEnumerable<int> candidates, int limit)
        {
            var users = new List<int>();
            foreach (var user in candidates)
            {
                if (users.Count == limit) break;
                if (!_active.Contains(user) || users.Contains(user) || Matched(user).Count >= capacity) continue;
                users.Add(user);
            }
            foreach (var user in users)
            {
                if (!_matched.ContainsKey(user)) _matched[user] = [];
                _matched[user].Add(item);
            }
            return (users, users.Where(u => _matched[u].Count == capacity).ToList());
        }
    }

    [Fact]
    public void Reserving_a_batch_equals_reserving_its_items_one_after_the_other()
    {
        using var store = CreateStore();
        using var reference = new InMemoryAvailabilityStore();
        var random = new Random(5);
        var active = Enumerable.Range(0, 100).Where(_ => random.NextDouble() < 0.8).ToList();
        store.OpenDay(0, 3, active);
        reference.OpenDay(0, 3, active);
        // Item 4 twice: the second request finds the first one's reservation.
        var requests = new[] { 1, 2, 3, 4, 4, 5, 6, 7 }
            .Select(item => new ReservationRequest(item, Enumerable.Range(0, 30).Select(_ => random.Next(100)).ToList())).ToList();
        var batch = store.ReserveMany(0, requests, 10);
        Assert.Equal(requests.Count, batch.Count);
        for (var k = 0; k < requests.Count; k++)
        {
            var expected = reference.Reserve(0, requests[k].Item, requests[k].Candidates, 10);
            Assert.Equal(expected.Users, batch[k].Users);
            Assert.Equal(expected.Filled, batch[k].Filled);
            Assert.Equal(expected.AlreadyDispatched, batch[k].AlreadyDispatched);
        }
        Assert.True(batch[4].AlreadyDispatched);
        for (var user = 0; user < 100; user++) Assert.Equal(reference.MatchedItems(0, user), store.MatchedItems(0, user));
        Assert.Throws<InvalidOperationException>(() => store.ReserveMany(8, requests, 10));
    }

    /// <summary>16 threads dispatch 10,000 items over 50,000 users with Q = 10.</summary>
    [Fact]
    public async Task Concurrent_dispatch_never_exceeds_the_cap_and_records_each_reservation_once()
    {
        const int users = 50_000, items = 10_000, capacity = 10, limit = 50, threads = 16;
        using var store = CreateStore();
        store.OpenDay(0, capacity, Enumerable.Range(0, users).ToList());
        var results = new ConcurrentDictionary<int, Reservation>();
        var next = -1;
        var workers = Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            for (int item; (item = Interlocked.Increment(ref next)) < items;)
            {
                // Popular users are asked for far more often than Q allows, so the cap is contended.
                var candidates = Enumerable.Range(0, 2 * limit).Select(_ => (int)(users * Math.Pow(random.NextDouble(), 3))).ToList();
                results[item] = store.Reserve(0, item, candidates, limit);
            }
        })).ToArray();
        await Task.WhenAll(workers);

        var perUser = new Dictionary<int, List<int>>();
        foreach (var (item, reservation) in results)
        {
            Assert.False(reservation.AlreadyDispatched);
            Assert.Equal(reservation.Users.Count, reservation.Users.Distinct().Count());
            foreach (var user in reservation.Users)
            {
                if (!perUser.TryGetValue(user, out var list)) perUser[user] = list = [];
                list.Add(item);
            }
        }
        Assert.Equal(items, results.Count);
        Assert.Contains(perUser.Values, list => list.Count == capacity); // the cap was reached, so it was tested
        foreach (var (user, list) in perUser)
        {
            Assert.True(list.Count <= capacity, $"user {user} holds {list.Count} items");
            Assert.Equal(list.Order(), store.MatchedItems(0, user).Order());
        }
        foreach (var item in new[] { 0, items / 2, items - 1 }) Assert.Equal(results[item].Users, store.ReservedUsers(0, item));
    }
}

public sealed class InMemoryAvailabilityStoreTests : AvailabilityStoreContract
{
    protected override IAvailabilityStore CreateStore() => new InMemoryAvailabilityStore();
}

public sealed class SqliteAvailabilityStoreTests : AvailabilityStoreContract
{
    protected override IAvailabilityStore CreateStore() => new SqliteAvailabilityStore(Directory.Combine("ledger.db"));

    [Fact]
    public void Each_durability_sets_its_pragma_and_normal_keeps_reservations_across_reopening()
    {
        using (var full = new SqliteAvailabilityStore(Directory.Combine("full.db")))
            Assert.Equal(2, full.SynchronousSetting); // FULL: an fsync per commit
        using (var normal = new SqliteAvailabilityStore(Directory.Combine("normal.db"), SqliteDurability.Normal))
        {
            Assert.Equal(SqliteDurability.Normal, normal.Durability);
            Assert.Equal(1, normal.SynchronousSetting); // NORMAL: the log reaches the device at checkpoints
            normal.OpenDay(0, 2, [1, 2]);
            normal.Reserve(0, 4, [1, 2], 5);
        }
        using var reopened = new SqliteAvailabilityStore(Directory.Combine("normal.db"), SqliteDurability.Normal);
        Assert.Equal([1, 2], reopened.ReservedUsers(0, 4));
    }

    [Fact]
    public void Only_the_newest_day_and_the_one_before_stay_in_memory_and_older_days_are_read_back()
    {
        using var store = new SqliteAvailabilityStore(Directory.Combine("days.db"));
        for (var day = 0; day < 5; day++)
        {
            store.OpenDay(day, 2, [1, 2, 3]);
            store.Reserve(day, 100 + day, [day % 3 + 1, 1, 2], 2);
        }
        Assert.Equal(2, store.DaysInMemory);

        // An old day comes back from the file whole, and a reservation on it sees what it held.
        Assert.Equal([1, 2], store.ReservedUsers(0, 100));
        Assert.Equal([100], store.MatchedItems(0, 1));
        Assert.False(store.Reserve(0, 200, [3, 1], 2).AlreadyDispatched);
        Assert.Equal([100, 200], store.MatchedItems(0, 1));
        Assert.True(store.Reserve(0, 100, [3], 2).AlreadyDispatched);
        Assert.Equal(3, store.DaysInMemory); // it stays until a newer day arrives

        store.OpenDay(5, 2, [1, 2, 3]);
        Assert.Equal([2, 3], store.Reserve(5, 105, [2, 3], 2).Users);
        Assert.Equal(2, store.DaysInMemory);
        Assert.Equal([100, 200], store.MatchedItems(0, 1)); // read back again, with the reservation made after the first read
        Assert.Equal([2], store.Reserve(0, 201, [1, 2], 2).Users); // user 1 reached Q = 2 with item 200
        // Each day's item took its first candidate, then the first of users 1 and 2 that is not that one.
        for (var day = 1; day < 5; day++) Assert.Equal([day % 3 + 1, day % 3 + 1 == 1 ? 2 : 1], store.ReservedUsers(day, 100 + day));
    }

    [Fact]
    public void The_ledger_survives_reopening_the_file()
    {
        using (var store = CreateStore())
        {
            store.OpenDay(0, 2, [1, 2]);
            store.Reserve(0, 4, [1, 2], 5);
        }
        using var reopened = CreateStore();
        Assert.Equal([1, 2], reopened.ReservedUsers(0, 4));
        Assert.True(reopened.Reserve(0, 4, [2], 5).AlreadyDispatched);
    }

    [Fact]
    public void Two_stores_on_one_file_see_each_others_reservations_and_share_the_cap()
    {
        using var first = CreateStore();
        using var second = CreateStore();
        first.OpenDay(0, 1, [1, 2, 3]);
        Assert.Equal([1], first.Reserve(0, 8, [1], 3).Users);
        Assert.False(second.IsAvailable(0, 1));
        Assert.True(second.Reserve(0, 8, [2], 3).AlreadyDispatched);
        Assert.Equal([2], second.Reserve(0, 9, [1, 2], 3).Users);
        Assert.Equal([3], first.Reserve(0, 10, [2, 1, 3], 3).Users);
        Assert.Equal([9], first.MatchedItems(0, 2));
    }

    /// <summary>
    /// Two stores on one file (as two processes would be) reserve from four threads each while readers on both read D_u:
    /// the cap holds across them, every read is a prefix of what is read later, and both end with the same ledger.
    /// </summary>
    [Fact]
    public async Task Two_stores_reserving_and_reading_concurrently_share_the_cap_and_agree()
    {
        const int users = 20_000, items = 1_200, capacity = 5, limit = 40;
        using var first = CreateStore();
        using var second = CreateStore();
        first.OpenDay(0, capacity, Enumerable.Range(0, users).ToList());
        var stores = new[] { first, second };
        var next = -1;
        var reservations = new ConcurrentDictionary<int, Reservation>();
        var writers = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            for (int item; (item = Interlocked.Increment(ref next)) < items;)
            {
                var candidates = Enumerable.Range(0, 2 * limit).Select(_ => (int)(users * Math.Pow(random.NextDouble(), 3))).ToList();
                reservations[item] = stores[t % 2].Reserve(0, item, candidates, limit);
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var seen = new Dictionary<int, IReadOnlyList<int>>();
            var random = new Random(100 + r);
            while (Volatile.Read(ref next) < items)
            {
                var user = (int)(users * Math.Pow(random.NextDouble(), 3));
                var matched = stores[r].MatchedItems(0, user);
                Assert.True(matched.Count <= capacity, $"user {user} holds {matched.Count} items");
                if (seen.TryGetValue(user, out var earlier)) Assert.Equal(earlier, matched.Take(earlier.Count));
                seen[user] = matched;
            }
        })).ToArray();
        await Task.WhenAll(writers.Concat(readers));

        Assert.Equal(items, reservations.Count);
        Assert.All(reservations.Values, reservation => Assert.False(reservation.AlreadyDispatched));
        var perUser = reservations.Values.SelectMany(r => r.Users.Select(u => (User: u, r.Item))).ToLookup(m => m.User, m => m.Item);
        Assert.Contains(perUser, holds => holds.Count() == capacity); // the cap was reached, so it was tested
        for (var user = 0; user < users; user++)
        {
            Assert.Equal(perUser[user].Order(), first.MatchedItems(0, user).Order());
            Assert.Equal(first.MatchedItems(0, user), second.MatchedItems(0, user));
        }
        // With the day in memory in both, one's next reservation is seen by the other's next read.
        var quiet = Enumerable.Range(0, users).First(user => !perUser[user].Any());
        first.Reserve(0, items, [quiet], limit);
        Assert.Equal([items], second.MatchedItems(0, quiet));
    }

    /// <summary>
    /// A reservation waiting for the file (here another connection holds its write lock, as a slow disk or another process
    /// would) holds up other reservations, not reads: D_u is read meanwhile, without the reservation that is not durable yet.
    /// </summary>
    [Fact]
    public async Task Reads_do_not_wait_for_a_reservation_that_waits_for_the_file()
    {
        using var store = CreateStore();
        store.OpenDay(0, 2, [1, 2, 3]);
        store.Reserve(0, 10, [1], 5);
        Assert.Equal([10], store.MatchedItems(0, 1));
        using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Directory.Combine("ledger.db")};Pooling=False");
        other.Open();
        var holding = other.BeginTransaction(deferred: false);
        var reserving = Task.Run(() => store.Reserve(0, 11, [1, 2], 5));
        await Task.Delay(300); // long enough for the reservation to be waiting for the file's write lock
        Assert.False(reserving.IsCompleted);

        var reading = Task.Run(() => (Items: store.MatchedItems(0, 1), Available: store.IsAvailable(0, 2)));
        var answered = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(10))) == reading;
        holding.Rollback();
        Assert.True(answered, "a read waited for the reservation in progress");
        var read = await reading;
        Assert.Equal([10], read.Items);
        Assert.True(read.Available);

        Assert.Equal([1, 2], (await reserving).Users);
        Assert.Equal([10, 11], store.MatchedItems(0, 1));
        Assert.Equal([2], store.Reserve(0, 12, [1, 2, 3], 1).Users); // user 1 is full with the two
    }

    [Fact]
    public void A_damaged_ledger_row_is_reported_with_the_file_and_row()
    {
        using (var store = CreateStore())
        {
            store.OpenDay(0, 2, [1, 2]);
            store.Reserve(0, 4, [1, 2], 5);
        }
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Directory.Combine("ledger.db")};Pooling=False"))
        {
            db.Open();
            using var damage = db.CreateCommand();
            damage.CommandText = "UPDATE ledger SET users = '[1, 7]'";
            damage.ExecuteNonQuery();
        }
        using var reopened = CreateStore();
        var error = Assert.Throws<InvalidDataException>(() => reopened.MatchedItems(0, 1));
        Assert.Contains("ledger.db", error.Message);
        Assert.Contains("item 4", error.Message);
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisAvailabilityStoreTests(RedisServer server) : AvailabilityStoreContract
{
    // Each store gets its own key prefix on the shared server, so tests cannot see each other's days.
    private readonly string _prefix = "test-" + Guid.NewGuid().ToString("N");

    protected override IAvailabilityStore CreateStore() => new RedisAvailabilityStore(server.Configuration, _prefix);

    [Fact]
    public void A_second_client_sees_the_first_clients_reservations()
    {
        using var first = CreateStore();
        using var second = CreateStore();
        first.OpenDay(0, 1, [1, 2]);
        first.Reserve(0, 8, [1], 3);
        Assert.True(second.Reserve(0, 8, [2], 3).AlreadyDispatched);
        Assert.Equal([2], second.Reserve(0, 9, [1, 2], 3).Users);
    }
}
