using System.Globalization;
using Microsoft.Playwright;
using Twofold.Server.Tests.Support;
using Xunit.Abstractions;

namespace Twofold.Server.Tests;

/// <summary>
/// The dashboard in headless Chromium (Debian's, driven by Playwright) against a running service: the page shows the
/// service's figures, and screenshots of both views are saved with the test output.
/// </summary>
[Collection(BundleCollection.Name)]
public sealed class DashboardTests(BundleFixture fixture, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_dashboard_shows_the_services_figures()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: tests/run.sh installs Debian's chromium");
        await using var service = await RunningService.Start(fixture);
        for (var n = 0; n < 6; n++)
            await service.PostJson("/items", $$"""{"item_id": "dash-{{n}}", "creator": 7, "genre": "{{fixture.Genres[n % fixture.Genres.Count]}}", "duration_ms": 15000}""");
        var events = string.Join(',', Enumerable.Range(0, 23).Select(u =>
            $$"""{"user": {{u}}, "item": {{fixture.Manifest.Items + u % 6}}, "feedback": ["click", "like"], "source": "{{(u % 3 == 0 ? "u2i2i" : "creator-side")}}"}"""));
        (await service.PostJson("/events", $$"""{"events": [{{events}}]}""")).EnsureSuccessStatusCode();
        var platform = (Serving.ServingPlatform)service.Services.GetService(typeof(Serving.ServingPlatform))!;

        using var playwright = await Playwright.CreateAsync();
        var profile = fixture.NewDirectory();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
        });
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        await page.GotoAsync(service.Client.BaseAddress + "dashboard/");
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        Assert.Equal(platform.Items.ToString("N0", CultureInfo.InvariantCulture), await page.InnerTextAsync("#fig-items .value"));
        Assert.Equal("23", await page.InnerTextAsync("#fig-dau .value"));
        Assert.Equal("1", await page.InnerTextAsync("#fig-dac .value"));
        Assert.Equal("2", await page.Locator("#chart-source rect").CountAsync().ContinueWith(t => t.Result.ToString(CultureInfo.InvariantCulture)));
        Assert.Contains("creator-side: 15", await page.InnerHTMLAsync("#chart-source"));
        Assert.True(await page.Locator("#chart-du rect").CountAsync() > 1);
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var platformShot = Path.Combine(directory, "dashboard-platform.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = platformShot, FullPage = true });

        await page.EvaluateAsync("() => { document.body.dataset.loaded = ''; location.hash = '#creator?id=7'; }");
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        var creatorItems = platform.ItemsOf(7).Count;
        Assert.Equal(creatorItems, await page.Locator("#creator-items tbody tr").CountAsync());
        Assert.Equal("23", await page.InnerTextAsync("#fig-creator-exposures .value"));
        var creatorShot = Path.Combine(directory, "dashboard-creator.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = creatorShot, FullPage = true });

        Assert.Empty(errors);
        Assert.True(new FileInfo(platformShot).Length > 10_000);
        output.WriteLine($"screenshots: {platformShot}, {creatorShot}");
    }
}
