using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Twofold.Server.Api;
using Twofold.Server.Serving;

namespace Twofold.Server;

/// <summary>
/// The HTTP service of <c>twofold serve</c>: builds the ASP.NET Core application around one <see cref="ServingPlatform"/>.
/// The platform is opened before the server listens, so a missing or damaged bundle stops start-up with its error.
/// </summary>
public static class TwofoldService
{
    public const string UploadsPolicy = "uploads";
    public const string EventsPolicy = "events";

    /// <param name="configure">More configuration sources (a JSON file, test settings), applied before <paramref name="overrides"/>.</param>
    /// <param name="overrides">Settings that win over the configuration (the command line's flags).</param>
    public static WebApplication Build(Action<IConfigurationBuilder>? configure = null, Func<ServeOptions, ServeOptions>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder.Configuration);
        var options = ServeOptions.FromConfiguration(builder.Configuration);
        options = (overrides?.Invoke(options) ?? options).Validate();

        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        // Each line carries its UTC time, so a warning (a slow dispatch batch) can be set beside the machine's own records.
        builder.Logging.AddSimpleConsole(console =>
        {
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton(sp => ServingPlatform.Open(options, sp.GetRequiredService<ServiceMetrics>(), sp.GetRequiredService<ILogger<ServingPlatform>>()));
        services.ConfigureHttpJsonOptions(json => UseWireNames(json.SerializerOptions));
        services.AddProblemDetails();
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Twofold";
            document.Info.Description = "Feeds for users, creator-side dispatch for new items (DualRec), events, metrics and admin.";
            return Task.CompletedTask;
        }));
        services.AddHealthChecks().AddCheck<PlatformHealthCheck>("platform", tags: ["ready"]);
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddTokenBucketLimiter(UploadsPolicy, o => Bucket(o, options.UploadsPerSecond));
            limiter.AddTokenBucketLimiter(EventsPolicy, o => Bucket(o, options.EventRequestsPerSecond));
            limiter.OnRejected = async (context, cancellation) =>
                await Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests",
                    "The service's rate limit for this endpoint is reached; retry shortly.").ExecuteAsync(context.HttpContext);
        });
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter(ServiceMetrics.MeterName)
            .AddMeter("System.Runtime") // the runtime's own: GC collections and pause time, heap, CPU, thread pool
            .AddPrometheusExporter());

        var app = builder.Build();
        app.Services.GetRequiredService<ServingPlatform>(); // open now: start-up fails here on a bad bundle or state

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        var dashboard = Path.Combine(AppContext.BaseDirectory, "dashboard");
        if (Directory.Exists(dashboard))
        {
            var files = new PhysicalFileProvider(dashboard);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = "/dashboard" });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files, RequestPath = "/dashboard" });
        }
        app.MapGet("/", () => Results.Redirect("/dashboard/")).ExcludeFromDescription();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/openapi", () => Results.Redirect("/openapi/v1.json")).ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth });

        ItemEndpoints.Map(app);
        EventEndpoints.Map(app);
        ViewEndpoints.Map(app);
        AdminEndpoints.Map(app, options);
        return app;
    }

    /// <summary>The API's JSON names: snake_case fields; dictionary keys (retrieval sources) as they are.</summary>
    internal static void UseWireNames(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        json.DictionaryKeyPolicy = null;
    }

    private static void Bucket(TokenBucketRateLimiterOptions o, int perSecond)
    {
        o.TokenLimit = perSecond;
        o.TokensPerPeriod = perSecond;
        o.ReplenishmentPeriod = TimeSpan.FromSeconds(1);
        o.QueueLimit = 0;
        o.AutoReplenishment = true;
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        }));
    }

    /// <summary>Readiness: the bundle is loaded and the availability store and the state database answer.</summary>
    private sealed class PlatformHealthCheck(ServingPlatform platform) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (store, problem) = platform.Readiness();
            var data = new Dictionary<string, object>
            {
                ["bundle_loaded"] = true, // a running service always has one: start-up fails without a bundle
                ["store_reachable"] = store,
                ["day"] = ItemEndpoints.DayText(platform.Day),
                ["items"] = platform.Items,
            };
            return Task.FromResult(store
                ? HealthCheckResult.Healthy("The bundle is loaded and the stores answer.", data)
                : HealthCheckResult.Unhealthy(problem ?? "not ready", data: data));
        }
    }
}
