using System.Runtime.InteropServices;
using Twofold.Domain;

namespace Twofold.Data.Import;

/// <summary>
/// The items of an import and what is known about each (creator, upload time, duration, genre, tags), indexed by
/// dense item id, plus the creator id map. Builds the item and creator tables at the end.
/// </summary>
public sealed class ItemTable
{
    /// <summary>The external id of the one creator that items without a known author are attached to.</summary>
    public const string UnknownCreatorExternalId = "(unknown)";

    private readonly List<ItemFacts> _facts = [];

    public IdMap Ids { get; } = new();
    public IdMap Creators { get; } = new();

    public int Count => _facts.Count;

    /// <summary>The dense id of an item, adding it (with nothing known yet) when new.</summary>
    public int GetOrAdd(ReadOnlySpan<char> externalId)
    {
        var id = Ids.GetOrAdd(externalId, out var added);
        if (added) _facts.Add(new ItemFacts());
        return id;
    }

    /// <summary>The facts about item <paramref name="id"/>, to read or fill in.</summary>
    public ref ItemFacts this[int id] => ref CollectionsMarshal.AsSpan(_facts)[id];

    /// <summary>Items that no entity table described (they appear only in the interaction logs).</summary>
    public int CountUndescribed() => _facts.Count(f => !f.Described);

    /// <summary>
    /// The item and creator tables. Items whose creator is unknown are attached to one extra creator,
    /// <see cref="UnknownCreatorExternalId"/>, the last creator id; its id is returned (or null when every item has
    /// a creator) so that creator-side measures can leave it out.
    /// </summary>
    public (List<Item> Items, List<Creator> Creators, CreatorId? UnknownCreator, int ItemsWithoutCreator) Build()
    {
        var creators = new List<Creator>(Creators.Count + 1);
        for (var c = 0; c < Creators.Count; c++) creators.Add(new Creator(new CreatorId(c), Creators.ExternalId(c)));
        var withoutCreator = _facts.Count(f => f.Creator < 0);
        CreatorId? unknown = null;
        if (withoutCreator > 0)
        {
            unknown = new CreatorId(creators.Count);
            creators.Add(new Creator(unknown.Value, UnknownCreatorExternalId));
        }
        var items = new List<Item>(_facts.Count);
        for (var i = 0; i < _facts.Count; i++)
        {
            var f = _facts[i];
            items.Add(new Item(new ItemId(i), Ids.ExternalId(i), f.Creator >= 0 ? new CreatorId(f.Creator) : unknown!.Value,
                f.UploadTimeMs, f.DurationMs, f.Genre ?? "", f.Tags ?? []));
        }
        return (items, creators, unknown, withoutCreator);
    }
}

/// <summary>What is known about one item during an import.</summary>
public struct ItemFacts
{
    public ItemFacts()
    {
    }

    /// <summary>Dense creator id, or -1 while unknown.</summary>
    public int Creator = -1;
    /// <summary>Unix epoch milliseconds; 0 when unknown.</summary>
    public long UploadTimeMs;
    /// <summary>0 when unknown.</summary>
    public int DurationMs;
    public string? Genre;
    public string[]? Tags;
    /// <summary>Whether an entity table (not only the logs) described the item.</summary>
    public bool Described;
}
