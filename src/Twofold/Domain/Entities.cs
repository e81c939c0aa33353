namespace Twofold.Domain;

/// <summary>A user of the platform.</summary>
/// <param name="ExternalId">The identifier the source data used (empty for synthetic users).</param>
public sealed record User(UserId Id, string ExternalId);

/// <summary>A creator: the author of items.</summary>
public sealed record Creator(CreatorId Id, string ExternalId);

/// <summary>An item (a short video).</summary>
/// <param name="UploadTimeMs">Upload time, Unix epoch milliseconds (UTC).</param>
/// <param name="DurationMs">Length of the video; 0 when unknown.</param>
/// <param name="Genre">Primary genre or category; empty when unknown.</param>
/// <param name="Tags">Further tags or genres, possibly empty.</param>
/// <param name="ContentEmbedding">An optional content embedding (e.g. from a video encoder).</param>
public sealed record Item(
    ItemId Id,
    string ExternalId,
    CreatorId Creator,
    long UploadTimeMs,
    int DurationMs,
    string Genre,
    IReadOnlyList<string> Tags,
    float[]? ContentEmbedding = null);
