using Twofold.Evaluation;

namespace Twofold.Tests.Evaluation;

public class TopKMetricsTests
{
    [Fact]
    public void Metrics_match_hand_computed_values()
    {
        var m = TopKMetrics.Of([5, 1, 9, 2], new HashSet<int> { 1, 2, 3 }, k: 3);
        Assert.Equal(1 / 3.0, m.Recall, 12);
        Assert.Equal(1, m.Hit);
        Assert.Equal((1 / Math.Log2(3)) / (1 + 1 / Math.Log2(3) + 1 / Math.Log2(4)), m.Ndcg, 12);
    }

    [Fact]
    public void A_perfect_list_scores_one_and_repeats_do_not_count_twice()
    {
        Assert.Equal(new TopKMetrics(1, 1, 1), TopKMetrics.Of([2, 1], new HashSet<int> { 1, 2 }, k: 5));
        Assert.Equal(0.5, TopKMetrics.Of([1, 1], new HashSet<int> { 1, 2 }, k: 2).Recall, 12);
        Assert.Throws<ArgumentException>(() => TopKMetrics.Of([1], new HashSet<int>(), 1));
    }
}
