using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;
using Twofold.Data;
using Twofold.Server.Tests.Support;

namespace Twofold.Server.Tests;

/// <summary>The admin endpoints: the key check, reload without downtime, strategy switch, the daily refresh.</summary>
[Collection(BundleCollection.Name)]
public sealed class AdminTests(BundleFixture fixture)
{
    private static HttpRequestMessage Admin(string path, string? key, string? json = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return request;
    }

    [Fact]
    public async Task Admin_endpoints_refuse_a_missing_or_wrong_key()
    {
        await using var service = await RunningService.Start(fixture);
        foreach (var path in new[] { "/admin/refresh", "/admin/reload", "/admin/strategy" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await service.Client.SendAsync(Admin(path, null))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await service.Client.SendAsync(Admin(path, "wrong"))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await service.Client.SendAsync(Admin(path, RunningService.AdminKey + "x"))).StatusCode);
        }
        Assert.Equal("2026-01-15", JsonDocument.Parse(await service.Client.GetStringAsync("/health")).RootElement
            .GetProperty("checks").GetProperty("platform").GetProperty("data").GetProperty("day").GetString()); // nothing was refreshed

        await using var closed = await RunningService.Start(fixture, settings: new Dictionary<string, string?> { ["Twofold:AdminKey"] = null });
        Assert.Equal(HttpStatusCode.Forbidden, (await closed.Client.SendAsync(Admin("/admin/refresh", "anything"))).StatusCode);
    }

    [Fact]
    public void The_key_comparison_is_exact()
    {
        Assert.True(Api.AdminEndpoints.KeyMatches("k3y", "k3y"));
        Assert.False(Api.AdminEndpoints.KeyMatches("k3y", "k3Y"));
        Assert.False(Api.AdminEndpoints.KeyMatches("k3y", "k3y "));
        Assert.False(Api.AdminEndpoints.KeyMatches("k3y", ""));
    }

    [Fact]
    public async Task Reload_serves_every_request_while_the_bundle_is_replaced()
    {
        await using var service = await RunningService.Start(fixture);
        using var stop = new CancellationTokenSource();
        var statuses = new List<HttpStatusCode>();
        var load = Task.Run(async () =>
        {
            var user = 0;
            while (!stop.IsCancellationRequested)
            {
                var response = await service.Client.GetAsync($"/users/{user++ % fixture.Manifest.Users}/feed?k=10");
                lock (statuses) statuses.Add(response.StatusCode);
            }
        });
        await Task.Delay(300);
        var reload = await service.Client.SendAsync(Admin("/admin/reload", RunningService.AdminKey));
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        var again = await service.Client.SendAsync(Admin("/admin/reload", RunningService.AdminKey, $$"""{"bundle": {{JsonSerializer.Serialize(fixture.Bundle)}}}"""));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await Task.Delay(300);
        stop.Cancel();
        await load;
        Assert.True(statuses.Count > 5, $"only {statuses.Count} feed requests ran during the reloads");
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

        var missing = await service.Client.SendAsync(Admin("/admin/reload", RunningService.AdminKey, """{"bundle": "/no/such/bundle"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("bundle", (await missing.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync("/users/1/feed")).StatusCode);
    }

    [Fact]
    public async Task Uploads_are_dispatched_while_a_reload_or_refresh_builds_and_the_generation_it_switches_to_holds_them()
    {
        await using var service = await RunningService.Start(fixture);
        var platform = service.Services.GetRequiredService<Serving.ServingPlatform>();
        const int uploads = 12; // more than Q = 10 for every active user the uploads reach: they fill users
        foreach (var (path, nextDay) in new[] { ("/admin/reload", false), ("/admin/refresh", true) })
        {
            var (day, items) = (platform.Day, platform.Items);
            var availableBefore = Enumerable.Range(0, platform.Users).Where(u => platform.Store.IsAvailable(day, u)).ToList();
            var built = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            platform.BeforeSwitch = () =>
            {
                built.TrySetResult();
                return release.Task;
            };
            // The reload adds the uploads beside the ones still coming, then the last few under the writer; the refresh all under it.
            platform.SwitchCatchUp = nextDay ? uploads : 4;
            var admin = service.Client.SendAsync(Admin(path, RunningService.AdminKey));
            await built.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // The new generation is built and held before its switch: the serving one dispatches uploads meanwhile, on its day.
            for (var k = 0; k < uploads; k++)
            {
                var upload = await service.PostJson("/items", $$"""{"item_id": "{{path}}-{{k}}", "creator": {{k}}, "genre": "{{fixture.Genres[0]}}", "duration_ms": 9000}""")
                    .WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            }
            Assert.False(admin.IsCompleted);
            Assert.Equal(day, platform.Day);
            release.SetResult();
            Assert.Equal(HttpStatusCode.OK, (await admin).StatusCode);
            platform.BeforeSwitch = null;

            // The generation switched to holds the uploads; serving the same day, its available set has none of the users
            // they filled (it was read from the store before they were reserved).
            Assert.Equal(items + uploads, platform.Items);
            Assert.Equal(nextDay ? day + 1 : day, platform.Day);
            var feed = await service.Client.GetAsync("/users/1/feed?k=10");
            Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
            if (nextDay) continue;
            var filled = availableBefore.Where(u => !platform.Store.IsAvailable(day, u)).ToList();
            Assert.NotEmpty(filled);
            var available = platform.Current.Pipeline.CreatorSide!.Available.Filter;
            Assert.All(filled, u => Assert.False(available.Contains(u), $"user {u} is full but in the available set"));
        }
    }

    [Fact]
    public async Task Strategy_switch_is_validated_and_applied()
    {
        await using var service = await RunningService.Start(fixture);
        var bad = await service.Client.SendAsync(Admin("/admin/strategy", RunningService.AdminKey, """{"dualrec_version": 9, "lambda": -1}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("dualrec_version", out _));
        Assert.True(errors.TryGetProperty("lambda", out _));

        var ok = await service.Client.SendAsync(Admin("/admin/strategy", RunningService.AdminKey, """{"dualrec_version": 1, "lambda": 0.5}"""));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var stats = JsonDocument.Parse(await service.Client.GetStringAsync("/stats/platform")).RootElement.GetProperty("strategy");
        Assert.Equal(1, stats.GetProperty("dualrec_version").GetInt32());
        Assert.Equal(0.5, stats.GetProperty("lambda").GetDouble());
        // DualRec-v1 retrieves through the two-tower model only.
        var upload = await service.PostJson("/items", $$"""{"item_id": "v1-item", "creator": 3, "genre": "{{fixture.Genres[0]}}", "duration_ms": 9000}""");
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var sources = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("sources");
        Assert.NotEmpty(sources.EnumerateObject());
        Assert.All(sources.EnumerateObject(), s => Assert.Equal("two-tower-users", s.Name));
    }

    [Fact]
    public async Task The_daily_refresh_exports_the_events_and_opens_the_next_day_which_survives_a_restart()
    {
        var data = fixture.NewDirectory();
        float[] refreshedTheta;
        int[] refreshedActive;
        await using (var service = await RunningService.Start(fixture, data))
        {
            var events = string.Join(',', Enumerable.Range(0, 40).Select(n => $$"""{"user": {{n}}, "item": {{n % 7}}, "feedback": ["click"{{(n % 3 == 0 ? ", \"like\"" : "")}}]}"""));
            Assert.Equal(HttpStatusCode.OK, (await service.PostJson("/events", $$"""{"events": [{{events}}]}""")).StatusCode);
            var refresh = await service.Client.SendAsync(Admin("/admin/refresh", RunningService.AdminKey));
            Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
            // θ_u as the refresh folded the day's events in: what counting the dataset's and the journal's events gives.
            var running = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;
            var generation = running.Current;
            refreshedTheta = [.. Enumerable.Range(0, running.Users).Select(generation.Bias.Theta)];
            refreshedActive = running.Folded.PredictActive(generation.Bundle);
            var dataset = Data.Dataset.Open(fixture.Manifest.Dataset);
            var expected = Ranking.UserBias.FromBatches(dataset.Events.ReadBatches().Append(running.Database.ReadEvents(0, running.Database.LastEventSequence())),
                running.Users, generation.Bundle.Manifest.Options.BiasSmoothing);
            Assert.Equal(Enumerable.Range(0, running.Users).Select(expected.Theta), refreshedTheta);
            Assert.NotEqual(Enumerable.Range(0, running.Users).Select(generation.Bundle.Bias.Theta), refreshedTheta);
            Assert.Equal("2026-01-16", JsonDocument.Parse(await refresh.Content.ReadAsStringAsync()).RootElement.GetProperty("day").GetString());
            // The next day's ledger is fresh: an upload is dispatched on it.
            var upload = await service.PostJson("/items", $$"""{"item_id": "day-two", "creator": 3, "genre": "{{fixture.Genres[0]}}", "duration_ms": 9000}""");
            Assert.Equal("2026-01-16", JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("day").GetString());
        }
        var exports = new State.EventLogExport(Path.Combine(data, "events"));
        Assert.Equal(40, exports.ReadAll().Sum(b => b.Count));
        Assert.All(exports.ReadAll(), b => Assert.All(b.TimesMs.ToArray(), t => Assert.Equal("2026-01-15", EventLogDays.ToDate(EventLogDays.DayNumber(t)).ToString("yyyy-MM-dd"))));

        await using var restarted = await RunningService.Start(fixture, data);
        var platform = (Serving.ServingPlatform)restarted.Services.GetService(typeof(Serving.ServingPlatform))!;
        Assert.Equal("2026-01-16", Api.ItemEndpoints.DayText(platform.Day));
        Assert.Equal(fixture.Manifest.Items + 1, platform.Items);
        // Built afresh from the dataset and the journal at start-up, θ_u and the predicted active users are the refresh's.
        Assert.Equal(refreshedTheta, Enumerable.Range(0, platform.Users).Select(platform.Current.Bias.Theta));
        Assert.Equal(refreshedActive, platform.Folded.PredictActive(platform.Current.Bundle));
        var repeat = await restarted.PostJson("/items", $$"""{"item_id": "day-two", "creator": 3, "genre": "{{fixture.Genres[0]}}", "duration_ms": 9000}""");
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
    }
}
