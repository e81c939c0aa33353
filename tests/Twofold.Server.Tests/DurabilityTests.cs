using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Twofold.Server.Tests.Support;

namespace Twofold.Server.Tests;

/// <summary>
/// A real service process with the SQLite stores, killed with SIGKILL while events are posted and items uploaded:
/// after a restart no acknowledged event and no acknowledged reservation is missing.
/// </summary>
[Collection(BundleCollection.Name)]
public sealed class DurabilityTests(BundleFixture fixture)
{
    [Fact]
    public async Task A_killed_service_loses_no_acknowledged_event_or_reservation()
    {
        var data = fixture.NewDirectory();
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        using var process = StartService(data, url);
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        await WaitHealthy(client, process);

        var acknowledgedEvents = new System.Collections.Concurrent.ConcurrentBag<int>();
        var acknowledgedUploads = new System.Collections.Concurrent.ConcurrentDictionary<string, (int Item, int Matched)>();
        using var stop = new CancellationTokenSource();
        var nextEvent = 0;
        var nextUpload = 0;
        var genre = fixture.Genres[2];

        async Task PostEvents()
        {
            while (!stop.IsCancellationRequested)
            {
                // watch_ms carries a unique number per event, to find each acknowledged event after the crash.
                var ids = Enumerable.Range(0, 5).Select(_ => Interlocked.Increment(ref nextEvent)).ToArray();
                var body = "{\"events\": [" + string.Join(',', ids.Select(id =>
                    $$"""{"user": {{id % fixture.Manifest.Users}}, "item": {{id % fixture.Manifest.Items}}, "watch_ms": {{id}}, "feedback": ["click"]}""")) + "]}";
                try
                {
                    var response = await client.PostAsync("/events", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                    if (response.StatusCode == HttpStatusCode.OK) foreach (var id in ids) acknowledgedEvents.Add(id);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return; // the process is gone
                }
            }
        }

        async Task Upload()
        {
            while (!stop.IsCancellationRequested)
            {
                var id = $"crash-{Interlocked.Increment(ref nextUpload)}";
                var body = $$"""{"item_id": "{{id}}", "creator": {{nextUpload % fixture.Manifest.Creators}}, "genre": "{{genre}}", "duration_ms": 12000}""";
                try
                {
                    var response = await client.PostAsync("/items", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        acknowledgedUploads[id] = (json.GetProperty("item").GetInt32(), json.GetProperty("matched_users").GetInt32());
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return;
                }
            }
        }

        var load = new[] { PostEvents(), PostEvents(), PostEvents(), Upload(), Upload() };
        var deadline = Stopwatch.StartNew();
        while ((acknowledgedUploads.Count < 25 || acknowledgedEvents.Count < 300) && deadline.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
        process.Kill(); // SIGKILL, with requests in flight
        await process.WaitForExitAsync();
        stop.Cancel();
        await Task.WhenAll(load);
        Assert.True(acknowledgedUploads.Count >= 25 && acknowledgedEvents.Count >= 300,
            $"only {acknowledgedUploads.Count} uploads and {acknowledgedEvents.Count} events were acknowledged before the deadline");

        await using var restarted = await RunningService.Start(fixture, data);
        var platform = (Serving.ServingPlatform)restarted.Services.GetService(typeof(Serving.ServingPlatform))!;
        var journaled = platform.Database.ReadEvents(0, long.MaxValue).WatchesMs.ToArray().ToHashSet();
        var lost = acknowledgedEvents.Where(id => !journaled.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledgedEvents.Count} acknowledged events are missing after the crash");

        foreach (var (id, (item, matched)) in acknowledgedUploads)
        {
            Assert.Equal(matched, platform.Store.ReservedUsers(platform.Day, item).Count);
            var again = await restarted.PostJson("/items", $$"""{"item_id": "{{id}}", "creator": 0, "genre": "{{genre}}", "duration_ms": 1}""");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            var repeat = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(item, repeat.GetProperty("item").GetInt32());
            Assert.Equal(matched, repeat.GetProperty("matched_users").GetInt32());
        }
        // Every upload the process recorded is dispatched after the restart (the interrupted ones were dispatched at start-up), within Q.
        var uploads = platform.Database.ReadUploads();
        Assert.All(uploads, u => Assert.True(u.Dispatched, $"upload {u.ExternalId} was left undispatched"));
        var perUser = uploads.SelectMany(u => platform.Store.ReservedUsers(platform.Day, u.Item)).GroupBy(u => u).Max(g => g.Count());
        Assert.InRange(perUser, 1, platform.Capacity);
    }

    /// <summary>
    /// The one write a machine's crash may take back from an answered upload is its mark in <c>service.db</c>
    /// (<see cref="State.ServiceDatabase.MarkDispatched"/> does not wait for the device). Taken back by hand here:
    /// the restart dispatches the upload again and the store returns the users it already held.
    /// </summary>
    [Fact]
    public async Task An_upload_whose_mark_was_taken_back_is_marked_again_at_start_up_with_the_same_users()
    {
        var data = fixture.NewDirectory();
        int item, matched;
        int[] users;
        await using (var service = await RunningService.Start(fixture, data))
        {
            var upload = await service.PostJson("/items", $$"""{"item_id": "unmarked", "creator": 3, "genre": "{{fixture.Genres[0]}}", "duration_ms": 9000}""");
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            var answer = await upload.Content.ReadFromJsonAsync<JsonElement>();
            (item, matched) = (answer.GetProperty("item").GetInt32(), answer.GetProperty("matched_users").GetInt32());
            var platform = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;
            users = [.. platform.Store.ReservedUsers(platform.Day, item)];
        }
        Assert.True(matched > 0, "the upload was matched with no user, so the restart would have nothing to find again");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "service.db")};Pooling=False"))
        {
            connection.Open();
            using var unmark = connection.CreateCommand();
            unmark.CommandText = "UPDATE uploads SET dispatched = 0, matched = 0, sources = NULL WHERE external_id = 'unmarked'";
            Assert.Equal(1, unmark.ExecuteNonQuery());
        }

        await using var restarted = await RunningService.Start(fixture, data);
        var again = (Serving.ServingPlatform)restarted.Services.GetService(typeof(Serving.ServingPlatform))!;
        var record = again.Database.FindUpload("unmarked")!;
        Assert.Equal((true, item, matched), (record.Dispatched, record.Item, record.Matched));
        Assert.Equal($$"""{"ledger":{{matched}}}""", record.Sources); // the store keeps the users, not how they were found
        Assert.Equal(users, again.Store.ReservedUsers(again.Day, item));
    }

    private Process StartService(string data, string url)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Twofold.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { cli, "serve", "--bundle", fixture.Bundle, "--data", data, "--urls", url }) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthy(HttpClient client, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(process.HasExited, $"the service exited with {(process.HasExited ? process.ExitCode : 0)} before it was ready");
            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        Assert.Fail("the service did not become healthy within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
