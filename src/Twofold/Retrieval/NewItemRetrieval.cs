using Twofold.Domain;
using Twofold.Vectors;

namespace Twofold.Retrieval;

/// <summary>
/// The Base strategy's extra retrieval (DualRec §5.1.3, in the spirit of FairRec): for every user request, recent
/// new items with the fewest exposures so far, whoever the user is.
/// </summary>
/// <param name="exposures">Exposures of an item so far, read once here: the order is the same for every request until
/// the retrieval is rebuilt (a platform counts exposures at night), so it is sorted once rather than per request.</param>
/// <param name="maxPerRequest">New items returned per request at most, whatever the quota.</param>
public sealed class NewItemRetrieval(IReadOnlyList<int> newItems, Func<int, int> exposures, int maxPerRequest) : ICandidateRetrieval
{
    private readonly int[] _fewestExposuresFirst = newItems.OrderBy(exposures).ThenBy(i => i).ToArray();

    public RetrievalSource Source { get; } = new(RetrievalKind.NewItems, Side.User);

    public IReadOnlyList<Candidate> Retrieve(int query, int quota, IdFilter? filter)
    {
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "The quota must be at least 1.");
        var take = Math.Min(quota, maxPerRequest);
        var candidates = new List<Candidate>(Math.Min(take, _fewestExposuresFirst.Length));
        foreach (var item in _fewestExposuresFirst)
        {
            if (candidates.Count == take) break;
            if (filter is null || filter.Contains(item)) candidates.Add(new Candidate(item, 0, Source));
        }
        return candidates;
    }
}
