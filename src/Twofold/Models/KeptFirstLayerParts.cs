namespace Twofold.Models;

/// <summary>
/// The first layer's part W_k x_k of each key (an item) that a frozen network has computed, kept for later calls: an
/// item's inputs other than the user and the context are the same in every feed that ranks it, so each is multiplied
/// once per generation of the network instead of once per feed (see <see cref="GroupKeys"/>).
/// </summary>
/// <remarks>
/// Stored in chunks of <see cref="ChunkKeys"/> keys allocated when a key in them is first kept, so a catalogue of half a
/// million items costs memory only for the items ranked. One lock guards reads and writes: a call holds it while it
/// copies its groups' parts (a few hundred rows) and, when some are missing, while it computes them, which happens
/// once per key.
/// </remarks>
internal sealed class KeptFirstLayerParts(int width)
{
    private const int ChunkKeys = 4096;
    private readonly object _gate = new();
    private float[]?[] _chunks = [];
    private bool[]?[] _kept = [];

    /// <summary>Values per part (the first layer's outputs).</summary>
    public int Width { get; } = width;

    /// <summary>Keys kept so far.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Adds each group's keyed part to its row of <paramref name="shared"/> ([groups, <see cref="Width"/>]). Parts not
    /// kept yet, and those of groups whose key is negative (not to be kept), come from <paramref name="compute"/>,
    /// called at most once with those groups and returning their parts row by row.
    /// </summary>
    public void AddTo(ReadOnlySpan<long> keyOfGroup, Span<float> shared, Func<int[], float[]> compute)
    {
        if (shared.Length != keyOfGroup.Length * Width)
            throw new ArgumentException($"Expected {keyOfGroup.Length} × {Width} values, actual {shared.Length}.", nameof(shared));
        lock (_gate)
        {
            var missing = new List<int>();
            for (var g = 0; g < keyOfGroup.Length; g++)
                if (keyOfGroup[g] < 0 || !IsKept(keyOfGroup[g])) missing.Add(g);
            if (missing.Count > 0)
            {
                var parts = compute([.. missing]);
                if (parts.Length != missing.Count * Width)
                    throw new InvalidOperationException($"Computed {parts.Length} values for {missing.Count} parts of {Width}.");
                for (var m = 0; m < missing.Count; m++)
                {
                    var part = parts.AsSpan(m * Width, Width);
                    Add(part, shared.Slice(missing[m] * Width, Width));
                    if (keyOfGroup[missing[m]] >= 0) Keep(keyOfGroup[missing[m]], part);
                }
            }
            var next = 0;
            for (var g = 0; g < keyOfGroup.Length; g++)
            {
                if (next < missing.Count && missing[next] == g)
                {
                    next++;
                    continue;
                }
                var key = keyOfGroup[g];
                Add(_chunks[key / ChunkKeys].AsSpan((int)(key % ChunkKeys) * Width, Width), shared.Slice(g * Width, Width));
            }
        }
    }

    private bool IsKept(long key)
    {
        var chunk = key / ChunkKeys;
        return chunk < _kept.Length && _kept[chunk] is { } kept && kept[key % ChunkKeys];
    }

    private void Keep(long key, ReadOnlySpan<float> part)
    {
        var chunk = (int)(key / ChunkKeys);
        if (chunk >= _chunks.Length)
        {
            var length = Math.Max(chunk + 1, 2 * _chunks.Length);
            Array.Resize(ref _chunks, length);
            Array.Resize(ref _kept, length);
        }
        var values = _chunks[chunk] ??= new float[ChunkKeys * Width];
        var kept = _kept[chunk] ??= new bool[ChunkKeys];
        part.CopyTo(values.AsSpan((int)(key % ChunkKeys) * Width, Width));
        if (!kept[key % ChunkKeys]) Count++;
        kept[key % ChunkKeys] = true;
    }

    private static void Add(ReadOnlySpan<float> part, Span<float> into) => System.Numerics.Tensors.TensorPrimitives.Add(into, part, into);
}
