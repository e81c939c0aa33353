using System.Net;
using System.Text.Json;
using Twofold.Server.Tests.Support;
using Twofold.Storage;
using Twofold.Tests.Support;

namespace Twofold.Server.Tests;

/// <summary><c>Twofold:Store = redis</c>: the availability ledger lives in Redis (a private redis-server), the rest under the state directory.</summary>
[Collection(BundleCollection.Name)]
public sealed class RedisStoreTests(BundleFixture fixture)
{
    [Fact]
    public async Task With_redis_the_reservations_are_in_redis_and_survive_a_restart()
    {
        using var redis = new RedisServer();
        var settings = new Dictionary<string, string?> { ["Twofold:Store"] = "redis", ["Twofold:RedisConnection"] = redis.Configuration, ["Twofold:RedisPrefix"] = "svc" };
        var data = fixture.NewDirectory();
        var upload = $$"""{"item_id": "redis-item", "creator": 2, "genre": "{{fixture.Genres[0]}}", "duration_ms": 8000}""";
        int item, matched, day;
        await using (var service = await RunningService.Start(fixture, data, settings))
        {
            var response = await service.PostJson("/items", upload);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            item = body.GetProperty("item").GetInt32();
            matched = body.GetProperty("matched_users").GetInt32();
            var platform = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;
            Assert.IsType<RedisAvailabilityStore>(platform.Store);
            day = platform.Day;
            Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health")).StatusCode);
        }
        Assert.False(File.Exists(Path.Combine(data, "availability.db")));
        using (var ledger = new RedisAvailabilityStore(redis.Configuration, "svc"))
            Assert.Equal(matched, ledger.ReservedUsers(day, item).Count);

        await using var restarted = await RunningService.Start(fixture, data, settings);
        var again = await restarted.PostJson("/items", upload);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(matched, JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("matched_users").GetInt32());
    }
}
