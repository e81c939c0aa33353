namespace Twofold.Retrieval;

/// <summary>
/// Merges the candidate lists of several retrievals into one list without repeats. Each candidate keeps the
/// source that contributed it first (sources are merged in the order given, each list in its own order), which is
/// the attribution that exposure-share metrics count (DualRec Table 3); the other sources that also found it are
/// kept beside it.
/// </summary>
public static class CandidateUnion
{
    /// <param name="lists">One list per source, each already cut to its quota, in priority order.</param>
    public static List<MergedCandidate> Merge(IEnumerable<IReadOnlyList<Candidate>> lists)
    {
        // Sized for every candidate at once: grown step by step, the two were most of what a union allocated.
        var all = lists as IReadOnlyCollection<IReadOnlyList<Candidate>> ?? lists.ToList();
        var total = 0;
        foreach (var list in all) total += list.Count;
        var merged = new List<MergedCandidate>(total);
        // Each thread reuses its index of ids (a dispatched item merges about a thousand); the list is the caller's.
        var index = t_index ??= new Dictionary<int, int>();
        index.Clear();
        index.EnsureCapacity(total);
        foreach (var list in all)
            foreach (var candidate in list)
            {
                if (index.TryGetValue(candidate.Id, out var at))
                {
                    var existing = merged[at];
                    if (existing.Source == candidate.Source || existing.AlsoFoundBy.Contains(candidate.Source)) continue;
                    merged[at] = existing with { AlsoFoundBy = [.. existing.AlsoFoundBy, candidate.Source] };
                    continue;
                }
                index[candidate.Id] = merged.Count;
                merged.Add(new MergedCandidate(candidate.Id, candidate.Score, candidate.Source, []));
            }
        if (index.Count > LargestKeptIndex) t_index = null; // a rare huge union does not pin its index to the thread
        return merged;
    }

    [ThreadStatic] private static Dictionary<int, int>? t_index;
    private const int LargestKeptIndex = 1 << 16;
}

/// <summary>A candidate of the union: attributed to <paramref name="Source"/>, also found by the others listed.</summary>
/// <remarks>A value, with a list only for candidates several sources found: a dispatched item or a feed merges hundreds.</remarks>
public readonly record struct MergedCandidate(int Id, float Score, RetrievalSource Source, IReadOnlyList<RetrievalSource> AlsoFoundBy);
