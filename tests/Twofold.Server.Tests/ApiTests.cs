using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Twofold.Server.Tests.Support;

namespace Twofold.Server.Tests;

/// <summary>The API through the real HTTP stack (Kestrel on loopback): happy paths and every way a request can be wrong.</summary>
[Collection(BundleCollection.Name)]
public sealed class ApiTests(BundleFixture fixture)
{
    private string Upload(string id, int creator = 4, bool embedding = true) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["item_id"] = id,
        ["creator"] = creator,
        ["genre"] = fixture.Genres[1],
        ["duration_ms"] = 17_000,
        ["tags"] = new[] { "music" },
        ["content_embedding"] = embedding ? Enumerable.Range(0, fixture.ContentDimension).Select(d => MathF.Sin(d + 1)).ToArray() : null,
    });

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await Json(response);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        return body;
    }

    private static IEnumerable<string> ErrorFields(JsonElement problem) => problem.GetProperty("errors").EnumerateObject().Select(p => p.Name);

    [Fact]
    public async Task An_upload_is_dispatched_once_reaches_the_matched_users_feed_and_a_repeat_returns_the_first_result()
    {
        await using var service = await RunningService.Start(fixture);
        var first = await service.PostJson("/items", Upload("video-1"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var dispatch = await Json(first);
        var item = dispatch.GetProperty("item").GetInt32();
        Assert.Equal(fixture.Manifest.Items, item); // the first upload follows the dataset's items
        var matched = dispatch.GetProperty("matched_users").GetInt32();
        Assert.InRange(matched, 1, 200);
        Assert.Equal(matched, dispatch.GetProperty("sources").EnumerateObject().Sum(s => s.Value.GetInt32()));
        Assert.False(dispatch.GetProperty("already_dispatched").GetBoolean());

        var again = await service.PostJson("/items", Upload("video-1", creator: 9));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var repeat = await Json(again);
        Assert.True(repeat.GetProperty("already_dispatched").GetBoolean());
        Assert.Equal(item, repeat.GetProperty("item").GetInt32());
        Assert.Equal(matched, repeat.GetProperty("matched_users").GetInt32());

        // A matched user's feed carries the item from D_u, boosted by the creator side.
        var platform = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;
        var user = platform.Store.ReservedUsers(platform.Day, item)[0];
        var feed = await Json(await service.Client.GetAsync($"/users/{user}/feed?k=50"));
        Assert.Contains(feed.GetProperty("items").EnumerateArray(),
            e => e.GetProperty("item").GetInt32() == item && e.GetProperty("creator_side").GetBoolean() && e.GetProperty("source").GetString() == "creator-side");
        Assert.Equal(50, (await Json(await service.Client.GetAsync("/users/0/feed?k=50"))).GetProperty("items").GetArrayLength());

        // The upload shows in its creator's view with its matches.
        var creator = await Json(await service.Client.GetAsync("/creators/4"));
        var row = creator.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("item").GetInt32() == item);
        Assert.True(row.GetProperty("uploaded").GetBoolean());
        Assert.Equal(matched, row.GetProperty("matched_users").GetInt32());
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_item_reserve_once()
    {
        await using var service = await RunningService.Start(fixture);
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => service.PostJson("/items", Upload("same-item"))));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var items = await Task.WhenAll(responses.Select(async r => (await Json(r)).GetProperty("item").GetInt32()));
        Assert.Single(items.Distinct());
        var platform = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;
        Assert.Equal(fixture.Manifest.Items + 1, platform.Items);
    }

    [Fact]
    public async Task Malformed_bodies_are_problems_naming_the_field()
    {
        await using var service = await RunningService.Start(fixture);
        var broken = await Problem(await service.PostJson("/items", "{\"item_id\": \"x\", \"creator\": "), HttpStatusCode.BadRequest);
        Assert.Contains("Malformed JSON", broken.GetProperty("errors").EnumerateObject().First().Value[0].GetString());

        var typed = await Problem(await service.PostJson("/items", "{\"item_id\": \"x\", \"creator\": \"four\"}"), HttpStatusCode.BadRequest);
        Assert.Equal(["creator"], ErrorFields(typed));

        var unknown = await Problem(await service.PostJson("/items", "{\"item_id\": \"x\", \"colour\": 1}"), HttpStatusCode.BadRequest);
        Assert.Contains("colour", unknown.GetProperty("errors").EnumerateObject().First().Value[0].GetString());

        var missing = await Problem(await service.PostJson("/items", "{}"), HttpStatusCode.BadRequest);
        Assert.Equal(["creator", "duration_ms", "genre", "item_id"], ErrorFields(missing).Order());

        var wrong = await Problem(await service.PostJson("/items",
            $$"""{"item_id": "x", "creator": 100000, "genre": "no-such-genre", "duration_ms": -1, "content_embedding": [1, 2]}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["content_embedding", "creator", "duration_ms", "genre"], ErrorFields(wrong).Order());

        await Problem(await service.Client.PostAsync("/items", new StringContent("item_id=x")), HttpStatusCode.UnsupportedMediaType);
        await Problem(await service.PostJson("/items", "null"), HttpStatusCode.BadRequest);

        var events = await Problem(await service.PostJson("/events",
            """{"events": [{"user": 0, "item": 1, "feedback": ["like", "cheer"]}, {"item": 2}, null, {"user": 0, "item": 99999999, "watch_ms": -5}]}"""),
            HttpStatusCode.BadRequest);
        Assert.Equal(["events[0].feedback[1]", "events[1].user", "events[2]", "events[3].item", "events[3].watch_ms"], ErrorFields(events).Order());
        await Problem(await service.PostJson("/events", """{"events": []}"""), HttpStatusCode.BadRequest);
        var nested = await Problem(await service.PostJson("/events", """{"events": [{"user": 0, "item": "one"}]}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["events[0].item"], ErrorFields(nested));
        // Nothing invalid was journaled.
        var platform = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;
        Assert.Equal(0, platform.Database.CountEvents());
    }

    [Fact]
    public async Task Unknown_ids_and_bad_parameters_are_problems()
    {
        await using var service = await RunningService.Start(fixture);
        var user = await Problem(await service.Client.GetAsync($"/users/{fixture.Manifest.Users}/feed"), HttpStatusCode.NotFound);
        Assert.Equal("id", user.GetProperty("field").GetString());
        Assert.Equal(["id"], ErrorFields(await Problem(await service.Client.GetAsync("/users/abc/feed"), HttpStatusCode.BadRequest)));
        Assert.Equal(["k"], ErrorFields(await Problem(await service.Client.GetAsync("/users/1/feed?k=0"), HttpStatusCode.BadRequest)));
        Assert.Equal(["k"], ErrorFields(await Problem(await service.Client.GetAsync("/users/1/feed?k=100000"), HttpStatusCode.BadRequest)));
        await Problem(await service.Client.GetAsync($"/creators/{fixture.Manifest.Creators}"), HttpStatusCode.NotFound);
        await Problem(await service.Client.GetAsync("/creators/-1"), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.GetAsync("/no/such/route")).StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413()
    {
        await using var service = await RunningService.Start(fixture, settings: new Dictionary<string, string?> { ["Twofold:MaxRequestBytes"] = "4096" });
        var events = string.Join(',', Enumerable.Repeat("""{"user": 1, "item": 2, "feedback": ["click"]}""", 200));
        var response = await service.PostJson("/events", $$"""{"events": [{{events}}]}""");
        var problem = await Problem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("too large", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await service.PostJson("/events", """{"events": [{"user": 1, "item": 2, "feedback": ["click"]}]}""")).StatusCode);
    }

    [Fact]
    public async Task Acknowledged_events_are_journaled_and_counted_for_the_creator()
    {
        await using var service = await RunningService.Start(fixture);
        var upload = await Json(await service.PostJson("/items", Upload("liked", creator: 7)));
        var item = upload.GetProperty("item").GetInt32();
        var response = await service.PostJson("/events", $$"""
            {"events": [
              {"user": 1, "item": {{item}}, "time_ms": 1700000000000, "watch_ms": 9000, "feedback": ["click", "like", "follow"], "source": "creator-side"},
              {"user": 2, "item": {{item}}, "feedback": ["click", "comment"], "source": "creator-side"},
              {"user": 3, "item": 0}
            ]}
            """);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await Json(response)).GetProperty("accepted").GetInt32());
        var creator = await Json(await service.Client.GetAsync("/creators/7"));
        var row = creator.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("item").GetInt32() == item);
        Assert.Equal(2, row.GetProperty("exposures").GetInt64());
        Assert.Equal(1, row.GetProperty("likes").GetInt64());
        Assert.Equal(1, row.GetProperty("comments").GetInt64());
        Assert.Equal(1, row.GetProperty("follows").GetInt64());
        Assert.False(row.GetProperty("reached").GetBoolean());
        var stats = await Json(await service.Client.GetAsync("/stats/platform"));
        Assert.Equal(3, stats.GetProperty("days")[0].GetProperty("active_users").GetInt64());
        Assert.Equal(2, stats.GetProperty("exposure_by_source").GetProperty("creator-side").GetInt64());
    }

    [Fact]
    public async Task Health_metrics_and_openapi_answer()
    {
        await using var service = await RunningService.Start(fixture);
        var health = await service.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var checks = (await Json(health)).GetProperty("checks").GetProperty("platform").GetProperty("data");
        Assert.Equal(fixture.Manifest.Items, checks.GetProperty("items").GetInt32());
        Assert.True(checks.GetProperty("store_reachable").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/health/live")).StatusCode);

        await service.PostJson("/items", Upload("metered"));
        await service.Client.GetAsync("/users/5/feed");
        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.Contains("twofold_dispatches_total", metrics);
        Assert.Contains("twofold_reservations_total", metrics);
        Assert.Contains("twofold_feed_entries_total", metrics);
        foreach (var stage in new[] { "queue", "record", "match", "mark", "answered" }) // the upload's stages, each timed once
            Assert.Matches($"twofold_upload_stage_duration_seconds_count{{[^}}]*stage=\"{stage}\"[^}}]*}} 1\\b", metrics);
        foreach (var stage in new[] { "queue", "batch", "resume", "answered" }) // the feed's stages: one request, one batch
            Assert.Matches($"twofold_feed_stage_duration_seconds_count{{[^}}]*stage=\"{stage}\"[^}}]*}} 1\\b", metrics);
        Assert.Matches("twofold_feed_batch_size_bucket{[^}]*le=\"1\"[^}]*} 1\\b", metrics);
        Assert.Contains("dotnet_gc_pause_time_seconds_total", metrics); // the runtime's own meter
        // Each collector pause is recorded (the runtime hands its events to the listener a little later).
        GC.Collect();
        for (var wait = 0; wait < 50 && !metrics.Contains("twofold_gc_pause_duration_seconds_bucket", StringComparison.Ordinal); wait++)
        {
            await Task.Delay(100);
            metrics = await service.Client.GetStringAsync("/metrics");
        }
        Assert.Contains("twofold_gc_pause_duration_seconds_bucket", metrics);
        Assert.Contains("http_server_request_duration_seconds_bucket", metrics);
        Assert.Contains("http_route=\"/users/{id}/feed\"", metrics);

        var openApi = await Json(await service.Client.GetAsync("/openapi"));
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/items", paths);
        Assert.Contains("/users/{id}/feed", paths);
        Assert.Contains("/events", paths);
        Assert.Contains("/admin/reload", paths);
    }

    [Fact]
    public async Task Uploads_beyond_the_rate_limit_get_429()
    {
        await using var service = await RunningService.Start(fixture, settings: new Dictionary<string, string?> { ["Twofold:UploadsPerSecond"] = "2" });
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => service.PostJson("/items", Upload($"burst-{n}", embedding: false))));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);
        await Problem(responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests), HttpStatusCode.TooManyRequests);
    }
}
