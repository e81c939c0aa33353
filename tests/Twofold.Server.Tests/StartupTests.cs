using Microsoft.Extensions.DependencyInjection;
using Twofold.Cli;
using Twofold.Server.Tests.Support;

namespace Twofold.Server.Tests;

/// <summary><c>twofold serve</c> refuses to start on a missing or damaged bundle, with a message naming it.</summary>
[Collection(BundleCollection.Name)]
public sealed class StartupTests(BundleFixture fixture)
{
    private static (int Code, string Error) Serve(params string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            return (TwofoldCommandLine.Build().Parse(["serve", .. args]).Invoke(), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    [Fact]
    public void A_missing_bundle_fails_with_a_clear_message()
    {
        var missing = Path.Combine(fixture.NewDirectory(), "nothing");
        var (code, error) = Serve("--bundle", missing, "--data", fixture.NewDirectory(), "--urls", "http://127.0.0.1:0");
        Assert.Equal(CommandErrors.Failure, code);
        Assert.Contains(missing, error);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public void A_corrupt_bundle_fails_with_a_clear_message()
    {
        var copy = Path.Combine(fixture.NewDirectory(), "bundle");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(fixture.Bundle)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        var graph = Path.Combine(copy, "graph.bin");
        File.WriteAllBytes(graph, File.ReadAllBytes(graph)[..100]);
        var (code, error) = Serve("--bundle", copy, "--data", fixture.NewDirectory(), "--urls", "http://127.0.0.1:0");
        Assert.Equal(CommandErrors.Failure, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("graph.bin", error);

        File.WriteAllText(Path.Combine(copy, "manifest.json"), "{ not json");
        (code, error) = Serve("--bundle", copy, "--data", fixture.NewDirectory(), "--urls", "http://127.0.0.1:0");
        Assert.Equal(CommandErrors.Failure, code);
        Assert.Contains("manifest.json", error);
    }

    [Fact]
    public async Task Sqlite_durability_normal_reaches_both_files()
    {
        await using var service = await RunningService.Start(fixture, settings: new Dictionary<string, string?> { ["Twofold:SqliteDurability"] = "normal" });
        var platform = service.Services.GetRequiredService<Serving.ServingPlatform>();
        Assert.Equal(1, platform.Database.SynchronousSetting); // NORMAL
        Assert.Equal(Storage.SqliteDurability.Normal, Assert.IsType<Storage.SqliteAvailabilityStore>(platform.Store).Durability);
    }

    [Fact]
    public async Task Feeds_ask_each_source_for_the_quota_the_simulator_evaluates_unless_configured()
    {
        Assert.Equal(new Simulation.PlatformOptions().FeedQuotaPerSource, new ServeOptions().FeedQuotaPerSource);
        await using (var service = await RunningService.Start(fixture))
            Assert.Equal(new Simulation.PlatformOptions().FeedQuotaPerSource,
                service.Services.GetRequiredService<Serving.ServingPlatform>().Current.Pipeline.Feed.Options.QuotaPerSource);
        await using (var service = await RunningService.Start(fixture, settings: new Dictionary<string, string?> { ["Twofold:FeedQuotaPerSource"] = "7" }))
            Assert.Equal(7, service.Services.GetRequiredService<Serving.ServingPlatform>().Current.Pipeline.Feed.Options.QuotaPerSource);
    }

    [Fact]
    public void Bad_settings_fail_with_a_clear_message()
    {
        var (code, error) = Serve("--bundle", fixture.Bundle, "--urls", "http://127.0.0.1:0");
        Assert.Equal(CommandErrors.Failure, code);
        Assert.Contains("--data", error);
        var settings = Path.Combine(fixture.NewDirectory(), "settings.json");
        File.WriteAllText(settings, """{"Twofold": {"Store": "redis"}}""");
        (code, error) = Serve("--bundle", fixture.Bundle, "--data", fixture.NewDirectory(), "--config", settings);
        Assert.Equal(CommandErrors.Failure, code);
        Assert.Contains("RedisConnection", error);
        File.WriteAllText(settings, """{"Twofold": {"SqliteDurability": "sometimes"}}""");
        (code, error) = Serve("--bundle", fixture.Bundle, "--data", fixture.NewDirectory(), "--config", settings);
        Assert.Equal(CommandErrors.Failure, code);
        Assert.Contains("Twofold:SqliteDurability must be 'full' or 'normal', not 'sometimes'", error);
        File.WriteAllText(settings, """{"Twofold": {"FeedQuotaPerSource": 0}}""");
        (code, error) = Serve("--bundle", fixture.Bundle, "--data", fixture.NewDirectory(), "--config", settings);
        Assert.Equal(CommandErrors.Failure, code);
        Assert.Contains("Twofold:FeedQuotaPerSource must be at least 1, not 0", error);
    }
}
