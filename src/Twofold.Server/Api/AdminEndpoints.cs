using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Twofold.Data;
using Twofold.Server.Serving;

namespace Twofold.Server.Api;

/// <summary>
/// The admin endpoints, behind the key of <c>Twofold:AdminKey</c> in the <c>X-Api-Key</c> header: reload the model
/// bundle without downtime, switch the strategy, run the daily refresh.
/// </summary>
internal static class AdminEndpoints
{
    public const string KeyHeader = "X-Api-Key";

    public static void Map(IEndpointRouteBuilder app, ServeOptions options)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            if (options.AdminKey is null)
                return Problems.Status(StatusCodes.Status403Forbidden, "Admin disabled", "The service was started without Twofold:AdminKey; admin endpoints are off.");
            if (!KeyMatches(options.AdminKey, context.HttpContext.Request.Headers[KeyHeader].ToString()))
                return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", $"A valid admin key is required in the {KeyHeader} header.");
            return await next(context);
        }).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        admin.MapPost("/reload", Reload).WithName("ReloadBundle")
            .WithSummary("Load a model bundle (the service's own directory again when none is given) and switch to it without stopping.")
            .Accepts<ReloadBody>("application/json").Produces<ReloadResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/strategy", SetStrategy).WithName("SetStrategy")
            .WithSummary("Switch the creator side's DualRec version (1 … 5) and λ of the combined feed.")
            .Accepts<StrategyBody>("application/json").Produces<StrategyBody>().ProducesValidationProblem();
        admin.MapPost("/refresh", Refresh).WithName("DailyRefresh")
            .WithSummary("The daily refresh: export the events to the Parquet log, fold them into the graph and θ_u, open the next day.")
            .Produces<RefreshResponse>();
    }

    /// <summary>Compares in time independent of where the keys differ (and of their lengths: both are hashed first).</summary>
    internal static bool KeyMatches(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    private static async Task<IResult> Reload(HttpRequest request, ServingPlatform platform, CancellationToken cancellation)
    {
        ReloadBody body = new(null);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var (read, problem) = await RequestBody.Read<ReloadBody>(request, cancellation);
            if (problem is not null) return problem;
            body = read!;
        }
        try
        {
            var manifest = await platform.ReloadAsync(body.Bundle, cancellation);
            return Results.Ok(new ReloadResponse(body.Bundle ?? "(configured)", manifest.Dataset, manifest.Users, manifest.Items, manifest.LastDay));
        }
        catch (DataFormatException e)
        {
            return Problems.Field("bundle", e.Message);
        }
        catch (ArgumentException e)
        {
            return Results.Problem(detail: e.Message, statusCode: StatusCodes.Status409Conflict, title: "Incompatible bundle",
                extensions: new Dictionary<string, object?> { ["field"] = "bundle" });
        }
    }

    private static async Task<IResult> SetStrategy(HttpRequest request, ServingPlatform platform, CancellationToken cancellation)
    {
        var (body, problem) = await RequestBody.Read<StrategyBody>(request, cancellation);
        if (problem is not null) return problem;
        var check = new Validation();
        var current = platform.Strategy;
        var version = body!.DualrecVersion ?? current.DualRecVersion;
        var lambda = body.Lambda ?? current.Lambda;
        var strategy = new Strategy(version, lambda);
        foreach (var (member, message) in strategy.Problems()) check.Add(member == nameof(Strategy.DualRecVersion) ? "dualrec_version" : "lambda", message);
        if (body.DualrecVersion is null && body.Lambda is null) check.Add("$", "Give dualrec_version, lambda or both.");
        if (!check.Valid) return check.Problem();
        await platform.SetStrategyAsync(strategy, cancellation);
        return Results.Ok(new StrategyBody(version, lambda));
    }

    private static async Task<IResult> Refresh(ServingPlatform platform, CancellationToken cancellation) =>
        Results.Ok(new RefreshResponse(ItemEndpoints.DayText(await platform.RefreshAsync(cancellation))));
}
