using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Twofold.Domain;
using Twofold.Server.Serving;
using Twofold.Server.State;

namespace Twofold.Server.Api;

/// <summary>POST /events: a batch of impressions, acknowledged only once journaled durably.</summary>
internal static class EventEndpoints
{
    private static readonly Dictionary<string, Feedback> FeedbackNames =
        FeedbackKinds.All.ToDictionary(k => k.Column, k => k.Kind, StringComparer.Ordinal);

    private const int MaxSourceLength = 64;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/events", Record)
            .WithName("RecordEvents")
            .WithSummary("Report impressions with their feedback; 200 means they are committed to the journal (durable).")
            .Accepts<EventBatch>("application/json")
            .Produces<EventsAccepted>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(TwofoldService.EventsPolicy);
    }

    private static async Task<IResult> Record(HttpRequest request, ServingPlatform platform, CancellationToken cancellation)
    {
        var (body, problem) = await RequestBody.Read<EventBatch>(request, cancellation);
        if (problem is not null) return problem;
        var check = new Validation();
        if (body!.Events is null) return Problems.Field("events", "The field is required.");
        if (body.Events.Count == 0) return Problems.Field("events", "At least one event is needed.");
        if (body.Events.Count > platform.MaxEventsPerRequest)
            return Problems.Field("events", $"At most {platform.MaxEventsPerRequest} events per request, not {body.Events.Count}.");
        var users = platform.Users;
        var items = platform.Items;
        var accepted = new List<ServiceEvent>(body.Events.Count);
        for (var n = 0; n < body.Events.Count; n++)
        {
            var field = $"events[{n}]";
            if (body.Events[n] is not { } e)
            {
                check.Add(field, "An event object is expected, not null.");
                continue;
            }
            var user = check.Required(e.User, field + ".user");
            if (e.User is not null && (uint)user >= (uint)users) check.Add(field + ".user", $"User {user} is not one of the bundle's {users} users.");
            var item = check.Required(e.Item, field + ".item");
            if (e.Item is not null && (uint)item >= (uint)items) check.Add(field + ".item", $"Item {item} is not in the catalogue ({items} items).");
            if (e.TimeMs is < 0) check.Add(field + ".time_ms", "Must not be negative.");
            if (e.DurationMs is < 0) check.Add(field + ".duration_ms", "Must not be negative.");
            if (e.WatchMs is < 0) check.Add(field + ".watch_ms", "Must not be negative.");
            var feedback = Feedback.None;
            var flags = e.Feedback ?? [];
            for (var f = 0; f < flags.Count; f++)
            {
                if (flags[f] is { } name && FeedbackNames.TryGetValue(name, out var kind)) feedback |= kind;
                else check.Add($"{field}.feedback[{f}]", $"'{flags[f]}' is not a feedback kind; known: {string.Join(", ", FeedbackNames.Keys)}.");
            }
            if (e.Source is { Length: 0 or > MaxSourceLength }) check.Add(field + ".source", $"Between 1 and {MaxSourceLength} characters when given.");
            // Without a duration the item's own is recorded (the event log's duration is the item's length).
            var duration = e.DurationMs ?? ((uint)item < (uint)items ? platform.Item(item).DurationMs : 0);
            accepted.Add(new ServiceEvent(user, item, e.TimeMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), duration, e.WatchMs ?? 0, feedback, e.Source));
        }
        if (!check.Valid) return check.Problem();
        return Results.Ok(new EventsAccepted(platform.RecordEvents(accepted)));
    }
}
