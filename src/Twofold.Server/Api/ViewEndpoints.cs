using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Twofold.Server.Serving;
using Twofold.Server.State;

namespace Twofold.Server.Api;

/// <summary>GET /creators/{id} (the creator view) and GET /stats/platform (the platform view), both read by the dashboard.</summary>
internal static class ViewEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/creators/{id}", Creator)
            .WithName("Creator")
            .WithSummary("A creator's items with their exposures, ExpoReach status and the likes, comments and follows they received.")
            .Produces<CreatorResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/stats/platform", Platform)
            .WithName("PlatformStats")
            .WithSummary("The platform view: DAU, DAC and ExpoReach per serving day, today's |D_u| distribution, exposure by retrieval source.")
            .Produces<PlatformResponse>();
    }

    private static IResult Creator(string id, ServingPlatform platform)
    {
        if (!int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var creator))
            return Problems.Field("id", $"'{id}' is not a creator id (a non-negative integer).");
        if (creator >= platform.Creators) return Problems.NotFound("id", $"Creator {creator} is not one of the bundle's {platform.Creators} creators.");
        var items = platform.ItemsOf(creator);
        var figures = platform.Database.ItemFigures(items.Select(i => i.Id.Value));
        var uploads = platform.Database.UploadsOf(creator).ToDictionary(u => u.Item);
        var e = platform.ExpoReachExposures;
        var rows = items.Select(i =>
        {
            var f = figures.GetValueOrDefault(i.Id.Value);
            var upload = uploads.GetValueOrDefault(i.Id.Value);
            return new CreatorItem(i.Id.Value, i.ExternalId, i.Genre, upload is not null, upload is null ? null : ItemEndpoints.DayText(upload.Day),
                f.Exposures, f.Likes, f.Comments, f.Follows, f.Exposures >= e, upload?.Matched);
        }).OrderByDescending(r => r.Item).ToList();
        var totals = new CreatorTotals(rows.Count, uploads.Count, rows.Count(r => r.Reached), rows.Sum(r => r.Exposures), rows.Sum(r => r.Likes),
            rows.Sum(r => r.Comments), rows.Sum(r => r.Follows));
        return Results.Ok(new CreatorResponse(creator, e, totals, rows));
    }

    private static IResult Platform(ServingPlatform platform)
    {
        var days = platform.Database.DayFigures(platform.ExpoReachExposures)
            .Select(d => new PlatformDay(ItemEndpoints.DayText(d.Day), d.ActiveUsers, d.Impressions, d.ActiveCreators, d.Uploads, d.UploadsReached,
                d.Uploads == 0 ? 0 : d.UploadsReached / (double)d.Uploads))
            .ToList();
        var strategy = platform.Strategy;
        return Results.Ok(new PlatformResponse(ItemEndpoints.DayText(platform.Day), platform.Users, platform.Items, platform.Creators,
            new StrategyBody(strategy.DualRecVersion, strategy.Lambda), platform.ExpoReachExposures, days, platform.MatchedPerUser(),
            platform.Database.ExposureBySource()));
    }
}
