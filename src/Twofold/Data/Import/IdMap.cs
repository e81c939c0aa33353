namespace Twofold.Data.Import;

/// <summary>
/// Maps a source's identifiers to dense zero-based ids in order of first appearance. Look-ups take spans, so a
/// row's identifier allocates a string only the first time it is seen.
/// </summary>
public sealed class IdMap
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _external = [];

    public IdMap() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _external.Count;

    /// <summary>The dense id of <paramref name="externalId"/>, assigning the next one when it is new.</summary>
    public int GetOrAdd(ReadOnlySpan<char> externalId) => GetOrAdd(externalId, out _);

    public int GetOrAdd(ReadOnlySpan<char> externalId, out bool added)
    {
        if (_lookup.TryGetValue(externalId, out var id))
        {
            added = false;
            return id;
        }
        id = _external.Count;
        var text = externalId.ToString();
        _ids.Add(text, id);
        _external.Add(text);
        added = true;
        return id;
    }

    public bool TryGet(ReadOnlySpan<char> externalId, out int id) => _lookup.TryGetValue(externalId, out id);

    public string ExternalId(int id) => _external[id];
}
