namespace Twofold.Domain;

// Ids are dense, zero-based indexes: every table and hot-path array is indexed by them directly.
// The identifier a source system used is kept as the entity's ExternalId.

/// <summary>A user, by dense index.</summary>
public readonly record struct UserId(int Value)
{
    public override string ToString() => $"u{Value}";
}

/// <summary>An item (a video), by dense index.</summary>
public readonly record struct ItemId(int Value)
{
    public override string ToString() => $"i{Value}";
}

/// <summary>A creator (an author of items), by dense index.</summary>
public readonly record struct CreatorId(int Value)
{
    public override string ToString() => $"c{Value}";
}
