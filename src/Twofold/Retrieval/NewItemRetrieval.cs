using Twofold.Domain;
using Twofold.Vectors;

namespace Twofold.Retrieval;

/// <summary>
/// The Base strategy's extra retrieval (DualRec §5.1.3, in the spirit of FairRec): for every user request, recent
/// new items with the fewest exposures so far, whoever the user is.
/// </summary>
/// <param name="maxPerRequest">New items returned per request at most, whatever the quota.</param>
public sealed class NewItemRetrieval(IReadOnlyList<int> newItems, Func<int, int> exposures, int maxPerRequest) : ICandidateRetrieval
{
    public RetrievalSource Source { get; } = new(RetrievalKind.NewItems, Side.User);

    public IReadOnlyList<Candidate> Retrieve(int query, int quota, IdFilter? filter)
    {
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "The quota must be at least 1.");
        return newItems.Where(i => filter is null || filter.Contains(i))
            .OrderBy(exposures).ThenBy(i => i).Take(Math.Min(quota, maxPerRequest))
            .Select(i => new Candidate(i, 0, Source)).ToList();
    }
}
