namespace Twofold.Models;

/// <summary>Distinct (source, target) pairs grouped by source, targets sorted (compressed sparse rows).</summary>
internal sealed class PairIndex
{
    private readonly int[] _offsets;
    private readonly int[] _targets;

    private PairIndex(int[] offsets, int[] targets)
    {
        _offsets = offsets;
        _targets = targets;
    }

    public int SourceCount => _offsets.Length - 1;
    public int PairCount => _targets.Length;
    public ReadOnlySpan<int> Targets(int source) => _targets.AsSpan(_offsets[source], _offsets[source + 1] - _offsets[source]);

    public bool Contains(int source, int target) => Targets(source).BinarySearch(target) >= 0;

    /// <summary>Groups the pairs (sources[k], targets[k]) for the rows in <paramref name="rows"/>, dropping duplicates.</summary>
    public static PairIndex Build(int sourceCount, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, IReadOnlyList<int> rows)
    {
        var counts = new int[sourceCount + 1];
        foreach (var r in rows) counts[sources[r] + 1]++;
        for (var s = 0; s < sourceCount; s++) counts[s + 1] += counts[s];
        var all = new int[counts[sourceCount]];
        var fill = (int[])counts.Clone();
        foreach (var r in rows) all[fill[sources[r]]++] = targets[r];
        var offsets = new int[sourceCount + 1];
        var kept = 0;
        for (var s = 0; s < sourceCount; s++)
        {
            var span = all.AsSpan(counts[s], counts[s + 1] - counts[s]);
            span.Sort();
            offsets[s] = kept;
            for (var k = 0; k < span.Length; k++)
                if (k == 0 || span[k] != span[k - 1]) all[kept++] = span[k];
        }
        offsets[sourceCount] = kept;
        return new PairIndex(offsets, all.AsSpan(0, kept).ToArray());
    }
}
