using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Twofold.Data;
using Twofold.Server.Serving;
using Twofold.Server.State;

namespace Twofold.Server.Api;

/// <summary>POST /items: upload and dispatch; GET /users/{id}/feed: the combined feed.</summary>
internal static class ItemEndpoints
{
    private const int MaxItemIdLength = 200;
    private const int MaxTags = 64;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/items", Upload)
            .WithName("UploadItem")
            .WithSummary("Upload a creator's new item; the creator side matches it with up to L available users. Idempotent by item_id.")
            .Accepts<ItemUpload>("application/json")
            .Produces<DispatchResponse>(StatusCodes.Status201Created)
            .Produces<DispatchResponse>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(TwofoldService.UploadsPolicy);

        app.MapGet("/users/{id}/feed", Feed)
            .WithName("UserFeed")
            .WithSummary("The combined recommendation for a visiting user: user-side retrievals plus the creator-side matches D_u, ranked by f'_ui.")
            .Produces<FeedResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> Upload(HttpRequest request, ServingPlatform platform, CancellationToken cancellation)
    {
        var (body, problem) = await RequestBody.Read<ItemUpload>(request, cancellation);
        if (problem is not null) return problem;
        var check = new Validation();
        if (string.IsNullOrWhiteSpace(body!.ItemId)) check.Add("item_id", "The field is required and may not be blank.");
        else if (body.ItemId.Length > MaxItemIdLength) check.Add("item_id", $"At most {MaxItemIdLength} characters.");
        var creator = check.Required(body.Creator, "creator");
        if (body.Creator is not null && (uint)creator >= (uint)platform.Creators)
            check.Add("creator", $"Creator {creator} is not one of the bundle's {platform.Creators} creators (0 … {platform.Creators - 1}).");
        if (string.IsNullOrEmpty(body.Genre)) check.Add("genre", "The field is required.");
        else if (!platform.Genres.Contains(body.Genre, StringComparer.Ordinal))
            check.Add("genre", $"Genre '{body.Genre}' is unknown to the model; known: {string.Join(", ", platform.Genres.Take(20))}{(platform.Genres.Count > 20 ? ", …" : "")}.");
        var duration = check.Required(body.DurationMs, "duration_ms");
        if (duration < 0) check.Add("duration_ms", "Must be zero (unknown) or positive.");
        var tags = body.Tags ?? [];
        if (tags.Count > MaxTags) check.Add("tags", $"At most {MaxTags} tags.");
        for (var t = 0; t < tags.Count; t++)
            if (string.IsNullOrWhiteSpace(tags[t]) || tags[t].Contains('|')) check.Add($"tags[{t}]", "A tag may not be blank or contain '|'.");
        if (body.UploadTimeMs is < 0) check.Add("upload_time_ms", "Must not be negative.");
        if (body.ContentEmbedding is { } vector)
        {
            if (platform.ContentDimension is { } dimension && vector.Length != dimension)
                check.Add("content_embedding", $"Has {vector.Length} values; the catalogue's content embeddings have {dimension}.");
            else if (vector.Length == 0) check.Add("content_embedding", "May not be empty; leave it out instead.");
            else if (vector.Any(v => !float.IsFinite(v)) || vector.All(v => v == 0))
                check.Add("content_embedding", "Must be finite and not all zero.");
        }
        if (!check.Valid) return check.Problem();

        UploadOutcome outcome;
        try
        {
            outcome = await platform.UploadAsync(new UploadRequest(body.ItemId!, creator, body.UploadTimeMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                duration, body.Genre!, tags, body.ContentEmbedding), cancellation);
        }
        catch (UploadRejectedException e)
        {
            return Problems.Field(e.Field, e.Message);
        }
        var response = ToResponse(outcome);
        return outcome.Repeat ? Results.Ok(response) : Results.Created($"/items/{Uri.EscapeDataString(response.ItemId)}", response);
    }

    private static async Task<IResult> Feed(string id, int? k, ServingPlatform platform)
    {
        if (!int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var user))
            return Problems.Field("id", $"'{id}' is not a user id (a non-negative integer).");
        if (k is { } length && (length < 1 || length > platform.MaxFeedLength))
            return Problems.Field("k", $"k must be between 1 and {platform.MaxFeedLength}, not {length}.");
        if (user >= platform.Users) return Problems.NotFound("id", $"User {user} is not one of the bundle's {platform.Users} users.");
        var feed = await platform.FeedAsync(user, k ?? 20);
        var items = feed.Select(e =>
        {
            var item = platform.Item(e.Item);
            return new FeedItem(e.Item, item.ExternalId, item.Creator.Value, e.Score, e.Source.ToString(), e.FromCreatorSide);
        }).ToList();
        return Results.Ok(new FeedResponse(user, DayText(platform.Day), items));
    }

    internal static DispatchResponse ToResponse(UploadOutcome outcome)
    {
        var record = outcome.Record;
        var sources = record.Sources is null ? new Dictionary<string, int>() : JsonSerializer.Deserialize<Dictionary<string, int>>(record.Sources)!;
        return new DispatchResponse(record.Item, record.ExternalId, DayText(record.Day), record.Matched, sources, outcome.Repeat);
    }

    internal static string DayText(int day) => EventLogDays.ToDate(day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
