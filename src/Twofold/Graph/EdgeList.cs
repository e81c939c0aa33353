namespace Twofold.Graph;

/// <summary>A growable list of timed edges (source, target, time) in struct-of-arrays form.</summary>
internal sealed class EdgeList
{
    private int[] _sources = new int[1024];
    private int[] _targets = new int[1024];
    private long[] _times = new long[1024];

    public int Count { get; private set; }
    public ReadOnlySpan<int> Sources => _sources.AsSpan(0, Count);
    public ReadOnlySpan<int> Targets => _targets.AsSpan(0, Count);
    public ReadOnlySpan<long> Times => _times.AsSpan(0, Count);

    public void Add(int source, int target, long time)
    {
        if (Count == _sources.Length)
        {
            var capacity = Count * 2;
            Array.Resize(ref _sources, capacity);
            Array.Resize(ref _targets, capacity);
            Array.Resize(ref _times, capacity);
        }
        _sources[Count] = source;
        _targets[Count] = target;
        _times[Count] = time;
        Count++;
    }
}
