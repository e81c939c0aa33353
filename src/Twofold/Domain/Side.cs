namespace Twofold.Domain;

/// <summary>
/// Which side of the two-sided market a mirrored algorithm serves: <see cref="User"/> finds items for a user,
/// <see cref="Item"/> finds users for an item (the creator side).
/// </summary>
public enum Side
{
    User,
    Item,
}
