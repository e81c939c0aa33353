using Twofold.Data;
using Twofold.Domain;
using Twofold.Graph;
using Twofold.Retrieval;
using Twofold.Similarity;
using Twofold.Vectors;

namespace Twofold.Tests.Retrieval;

public class TwoHopRetrieverTests
{
    private static InteractionGraph Graph(int users, int items, IEnumerable<(int User, int Item)> likes)
    {
        var batch = new InteractionBatch([]);
        var t = 0;
        foreach (var (u, i) in likes) batch.Add(new Interaction(new UserId(u), new ItemId(i), t++, 0, 0, Feedback.Like));
        return InteractionGraph.Empty(users, items, GraphOptions.Default).Append(batch, users, items);
    }

    private static TwoHopRetriever Retriever(InteractionGraph graph) => new(graph,
        CollaborativeSimilarity.Compute(graph, Side.User, new CollaborativeOptions()),
        CollaborativeSimilarity.Compute(graph, Side.Item, new CollaborativeOptions()));

    // u0 and u1 like i0 and i1; u2 likes i0 and i2 (the graph of the similarity tests).
    private static readonly InteractionGraph Tiny = Graph(3, 3, [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 2)]);

    [Fact]
    public void The_four_two_hop_retrievals_follow_their_paths_and_leave_out_the_history()
    {
        var r = Retriever(Tiny);
        var u2u2i = r.Retrieve(RetrievalKind.SimilarityThenHistory, Side.User, 2, quota: 10);
        Assert.Equal([1], u2u2i.Select(c => c.Id));
        Assert.Equal(0.5f, u2u2i[0].Score, 5); // two similar users (0.25 each) both hold i1
        Assert.Equal("u2u2i", u2u2i[0].Source.ToString());

        Assert.Equal([1], r.Retrieve(RetrievalKind.HistoryThenSimilarity, Side.User, 2, 10).Select(c => c.Id));
        Assert.Equal([0, 1], r.Retrieve(RetrievalKind.HistoryThenSimilarity, Side.Item, 2, 10).Select(c => c.Id));
        var i2i2u = r.Retrieve(RetrievalKind.SimilarityThenHistory, Side.Item, 2, 10);
        Assert.Equal([0, 1], i2i2u.Select(c => c.Id));
        Assert.Equal("i2i2u", i2i2u[0].Source.ToString());
    }

    [Fact]
    public void The_filter_applies_while_collecting_so_the_quota_fills_with_admitted_candidates()
    {
        var r = Retriever(Tiny);
        var filter = new IdFilter(3);
        filter.Set(1);
        Assert.Equal([1], r.Retrieve(RetrievalKind.SimilarityThenHistory, Side.Item, 2, quota: 1, filter).Select(c => c.Id));
        Assert.Empty(r.Retrieve(RetrievalKind.HistoryThenSimilarity, Side.Item, 2, 1, new IdFilter(3)));
    }

    [Theory]
    [InlineData(RetrievalKind.HistoryThenSimilarity)]
    [InlineData(RetrievalKind.SimilarityThenHistory)]
    public void The_creator_side_is_the_user_side_of_the_transposed_graph(RetrievalKind kind)
    {
        var random = new Random(9);
        var likes = Enumerable.Range(0, 500).Select(_ => (random.Next(30), random.Next(45))).ToList();
        var graph = Retriever(Graph(30, 45, likes));
        var transposed = Retriever(Graph(45, 30, likes.Select(l => (l.Item2, l.Item1))));
        for (var item = 0; item < 45; item++)
        {
            var creatorSide = graph.Retrieve(kind, Side.Item, item, 20);
            var userSideOfTransposed = transposed.Retrieve(kind, Side.User, item, 20);
            Assert.Equal(userSideOfTransposed.Select(c => (c.Id, c.Score)), creatorSide.Select(c => (c.Id, c.Score)));
        }
    }

    [Fact]
    public void Union_keeps_the_first_source_and_records_the_others()
    {
        var a = new RetrievalSource(RetrievalKind.SimilarityThenHistory, Side.Item);
        var b = new RetrievalSource(RetrievalKind.HistoryThenSimilarity, Side.Item);
        var merged = CandidateUnion.Merge([[new Candidate(1, 0.9f, a), new Candidate(2, 0.5f, a)], [new Candidate(2, 0.7f, b), new Candidate(3, 0.1f, b)]]);
        Assert.Equal([1, 2, 3], merged.Select(m => m.Id));
        Assert.Equal(a, merged[1].Source);
        Assert.Equal([b], merged[1].AlsoFoundBy);
        Assert.Empty(merged[0].AlsoFoundBy);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var r = Retriever(Tiny);
        Assert.Throws<ArgumentException>(() => r.Retrieve(RetrievalKind.TwoTower, Side.User, 0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Retrieve(RetrievalKind.HistoryThenSimilarity, Side.User, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Retrieve(RetrievalKind.HistoryThenSimilarity, Side.User, 7, 5));
    }
}
