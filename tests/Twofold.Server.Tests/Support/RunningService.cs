using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Twofold.Server.Tests.Support;

/// <summary>The service on a free loopback port, through the real Kestrel stack, with an HTTP client pointed at it.</summary>
public sealed class RunningService : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";

    private readonly WebApplication _app;

    private RunningService(WebApplication app, string data)
    {
        _app = app;
        Data = data;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public HttpClient Client { get; }
    public string Data { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<RunningService> Start(BundleFixture fixture, string? data = null, IDictionary<string, string?>? settings = null)
    {
        data ??= fixture.NewDirectory();
        var values = new Dictionary<string, string?>
        {
            ["Twofold:Bundle"] = fixture.Bundle,
            ["Twofold:Data"] = data,
            ["Twofold:Urls"] = "http://127.0.0.1:0",
            ["Twofold:AdminKey"] = AdminKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var app = TwofoldService.Build(configuration => configuration.AddInMemoryCollection(values));
        await app.StartAsync();
        return new RunningService(app, data);
    }

    public Task<HttpResponseMessage> PostJson(string path, string json) =>
        Client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PostJson<T>(string path, T body) => Client.PostAsJsonAsync(path, body, Api.RequestBody.Json);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
