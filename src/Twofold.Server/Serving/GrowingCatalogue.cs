using Twofold.Domain;

namespace Twofold.Server.Serving;

/// <summary>
/// The catalogue being served, grown by uploads: an append-only buffer (doubled when full) of which each
/// <see cref="Snapshot"/> hands out a prefix without copying. Appends write only past every prefix handed out, and a
/// full buffer is replaced rather than overwritten, so a snapshot never changes under its readers. One writer.
/// </summary>
internal sealed class GrowingCatalogue
{
    private Item[] _items;

    public GrowingCatalogue(IReadOnlyList<Item> items)
    {
        _items = [.. items];
        Count = _items.Length;
    }

    public int Count { get; private set; }

    public void AddRange(IReadOnlyCollection<Item> items)
    {
        if (Count + items.Count > _items.Length) Array.Resize(ref _items, Math.Max(Count + items.Count, 2 * _items.Length));
        foreach (var item in items) _items[Count++] = item;
    }

    /// <summary>The catalogue as it is now; later appends do not show in it.</summary>
    public IReadOnlyList<Item> Snapshot() => new ArraySegment<Item>(_items, 0, Count);
}
