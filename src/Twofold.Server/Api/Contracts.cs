namespace Twofold.Server.Api;

// The request and response bodies of the API, in snake_case JSON. Request fields are nullable so that a missing
// field is reported by name (RFC 7807 validation problem) rather than defaulted.

/// <summary>POST /items: a creator's new item.</summary>
public sealed record ItemUpload(
    string? ItemId,
    int? Creator,
    string? Genre,
    int? DurationMs,
    IReadOnlyList<string>? Tags,
    long? UploadTimeMs,
    float[]? ContentEmbedding);

/// <summary>The outcome of an upload: how many users the creator side matched the item with, and through which sources.</summary>
public sealed record DispatchResponse(int Item, string ItemId, string Day, int MatchedUsers, IReadOnlyDictionary<string, int> Sources, bool AlreadyDispatched);

public sealed record FeedResponse(int User, string Day, IReadOnlyList<FeedItem> Items);

/// <param name="CreatorSide">Whether the item came from the user's creator-side matches D_u (and got the λ g_ui boost).</param>
public sealed record FeedItem(int Item, string ItemId, int Creator, float Score, string Source, bool CreatorSide);

/// <summary>POST /events: a batch of impressions with the multi-feedback schema.</summary>
public sealed record EventBatch(IReadOnlyList<EventInput?>? Events);

/// <param name="Feedback">Any of click, like, comment, follow, share, profile_visit, effective_view.</param>
/// <param name="Source">The retrieval source the feed attributed the item to (as the feed returned it); optional.</param>
public sealed record EventInput(int? User, int? Item, long? TimeMs, int? DurationMs, int? WatchMs, IReadOnlyList<string>? Feedback, string? Source);

public sealed record EventsAccepted(int Accepted);

public sealed record CreatorResponse(int Creator, int ExpoReachExposures, CreatorTotals Totals, IReadOnlyList<CreatorItem> Items);

public sealed record CreatorTotals(int Items, int Uploads, int Reached, long Exposures, long Likes, long Comments, long Follows);

/// <param name="Uploaded">Uploaded through the service (rather than part of the bundle's dataset).</param>
/// <param name="Reached">Exposures reached E (ExpoReach-E).</param>
/// <param name="MatchedUsers">Users the creator side matched an upload with; null for the dataset's items.</param>
public sealed record CreatorItem(int Item, string ItemId, string Genre, bool Uploaded, string? Day, long Exposures, long Likes, long Comments, long Follows,
    bool Reached, int? MatchedUsers);

public sealed record PlatformResponse(string Day, int Users, int Items, int Creators, StrategyBody Strategy, int ExpoReachExposures,
    IReadOnlyList<PlatformDay> Days, IReadOnlyList<long> MatchedPerUser, IReadOnlyDictionary<string, long> ExposureBySource);

/// <param name="ExpoReach">Share of the day's uploads that reached E exposures so far.</param>
public sealed record PlatformDay(string Day, long ActiveUsers, long Impressions, long ActiveCreators, long Uploads, long UploadsReached, double ExpoReach);

/// <summary>POST /admin/strategy and the strategy in responses.</summary>
public sealed record StrategyBody(int? DualrecVersion, double? Lambda);

/// <summary>POST /admin/reload: the bundle directory to load; the service's own when omitted.</summary>
public sealed record ReloadBody(string? Bundle);

public sealed record ReloadResponse(string Bundle, string Dataset, int Users, int Items, string TrainedThrough);

public sealed record RefreshResponse(string Day);
