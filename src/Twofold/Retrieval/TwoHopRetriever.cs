using System.Buffers;
using System.Runtime.InteropServices;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Similarity;
using Twofold.Vectors;

namespace Twofold.Retrieval;

/// <summary>
/// The two-hop retrievals over the interaction graph and the similarity services, one implementation for both
/// sides (DualRec §3.2):
/// <list type="bullet">
/// <item>history → similarity: U_i^{i2u2u} = ∪ {S^U(u′) : u′ ∈ H^I(i)}, and its mirror u2i2i;</item>
/// <item>similarity → history: U_i^{i2i2u} = ∪ {H^I(i′) : i′ ∈ S^I(i)}, and its mirror u2u2i.</item>
/// </list>
/// A candidate's score is the sum of the similarities of the paths that reach it. The candidate filter (on the
/// creator side, the available users) is applied while candidates are collected, so a full quota of admitted
/// candidates comes back rather than a quota cut down afterwards.
/// </summary>
public sealed class TwoHopRetriever
{
    private readonly InteractionGraph _graph;
    private readonly NeighborLists _userSimilarity;
    private readonly NeighborLists _itemSimilarity;

    /// <param name="userSimilarity">S^U over users.</param>
    /// <param name="itemSimilarity">S^I over items.</param>
    /// <remarks>
    /// The item side of the graph and of S^I may cover fewer items than the catalogue: an item beyond the graph has no
    /// history yet (uploaded since the graph was built), an item beyond the lists has no neighbours. So a catalogue that
    /// grows by uploads needs new lists only for what it adds, not a copy of the graph or of the collaborative lists.
    /// </remarks>
    public TwoHopRetriever(InteractionGraph graph, NeighborLists userSimilarity, NeighborLists itemSimilarity)
    {
        if (userSimilarity.NodeCount != graph.UserToItems.NodeCount)
            throw new ArgumentException($"The similarity lists cover {userSimilarity.NodeCount} users, the graph {graph.UserToItems.NodeCount}.");
        _graph = graph;
        _userSimilarity = userSimilarity;
        _itemSimilarity = itemSimilarity;
    }

    /// <param name="side">The query's side: <see cref="Side.User"/> retrieves items for a user, <see cref="Side.Item"/> users for an item.</param>
    /// <param name="query">The user or item id.</param>
    /// <param name="quota">Candidates returned at most.</param>
    /// <param name="filter">Only ids set in the filter are returned; null admits all.</param>
    /// <param name="maxHistory">The query's most recent history entries used as seeds.</param>
    /// <param name="excludeHistory">Leave out nodes already in the query's history (items the user engaged with; users who engaged with the item).</param>
    public List<Candidate> Retrieve(RetrievalKind kind, Side side, int query, int quota, IdFilter? filter = null,
        int maxHistory = 50, bool excludeHistory = true)
    {
        if (kind == RetrievalKind.TwoTower) throw new ArgumentException("Two-tower retrieval is served by the vector index, not the graph.", nameof(kind));
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "The quota must be at least 1.");
        if (maxHistory < 1) throw new ArgumentOutOfRangeException(nameof(maxHistory), maxHistory, "At least one history entry is needed.");
        var own = _graph.History(side);
        var ownSimilarity = side == Side.User ? _userSimilarity : _itemSimilarity;
        var otherSimilarity = side == Side.User ? _itemSimilarity : _userSimilarity;
        // Users are a fixed population: an unknown one is an error. An item beyond both the graph and the lists is newer
        // than either (an upload) and simply has nothing to walk from.
        if (side == Side.User && (uint)query >= (uint)own.NodeCount)
            throw new ArgumentOutOfRangeException(nameof(query), query, $"Not one of the {own.NodeCount} users.");
        if (query < 0) throw new ArgumentOutOfRangeException(nameof(query), query, "Ids are not negative.");
        var history = HistoryOf(own, query);
        var seeds = history[..Math.Min(maxHistory, history.Length)];

        var scores = ScoreTable();
        if (kind == RetrievalKind.HistoryThenSimilarity)
        {
            // Each engaged node votes for its neighbours on the other side with their similarity.
            foreach (var seed in seeds)
                if (seed < otherSimilarity.NodeCount)
                    Accumulate(scores, otherSimilarity.Neighbors(seed), otherSimilarity.Scores(seed), weight: 1f, filter);
        }
        else
        {
            // Each similar node of the query's own side passes its history on, weighted by its similarity.
            var similar = query < ownSimilarity.NodeCount ? ownSimilarity.Neighbors(query) : [];
            var similarity = query < ownSimilarity.NodeCount ? ownSimilarity.Scores(query) : [];
            for (var s = 0; s < similar.Length; s++)
            {
                var theirs = HistoryOf(own, similar[s]);
                theirs = theirs[..Math.Min(maxHistory, theirs.Length)];
                foreach (var node in theirs)
                    if (filter is null || filter.Contains(node))
                        CollectionsMarshal.GetValueRefOrAddDefault(scores, node, out _) += similarity[s];
            }
        }
        if (excludeHistory)
            foreach (var node in history) scores.Remove(node);

        var best = Best(scores, quota, new RetrievalSource(kind, side));
        if (scores.Count > LargestKeptTable) t_scores = null; // a rare huge query does not pin its table to the thread
        return best;
    }

    // Each thread reuses one table of scores: a new table per query, grown by doubling to thousands of entries, was an
    // eighth of what a creator-side dispatch allocated once the prediction's inputs were pooled (bench/README.md,
    // "Allocations of a dispatch").
    [ThreadStatic] private static Dictionary<int, float>? t_scores;
    private const int LargestKeptTable = 1 << 16;

    private static Dictionary<int, float> ScoreTable()
    {
        var scores = t_scores ??= new Dictionary<int, float>();
        scores.Clear();
        return scores;
    }

    /// <summary>The <paramref name="quota"/> best-scored nodes, best first and on equal scores the smaller id first.</summary>
    private static List<Candidate> Best(Dictionary<int, float> scores, int quota, RetrievalSource source)
    {
        // Packed (score, id) keys sort as integers, in the order wanted: no comparison delegate per pair.
        var keys = ArrayPool<ulong>.Shared.Rent(scores.Count);
        try
        {
            var n = 0;
            foreach (var (node, score) in scores) keys[n++] = RankKey.Of(score, node);
            Array.Sort(keys, 0, n);
            var best = new List<Candidate>(Math.Min(quota, n));
            for (var k = 0; k < best.Capacity; k++) best.Add(new Candidate(RankKey.Id(keys[k]), RankKey.Score(keys[k]), source));
            return best;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
        }
    }

    /// <summary>A node's history; empty for a node the graph does not cover yet.</summary>
    private static ReadOnlySpan<int> HistoryOf(Adjacency history, int node) => node < history.NodeCount ? history.Neighbors(node) : [];

    private static void Accumulate(Dictionary<int, float> scores, ReadOnlySpan<int> nodes, ReadOnlySpan<float> similarity, float weight, IdFilter? filter)
    {
        for (var k = 0; k < nodes.Length; k++)
            if (filter is null || filter.Contains(nodes[k]))
                CollectionsMarshal.GetValueRefOrAddDefault(scores, nodes[k], out _) += weight * similarity[k];
    }
}
