using Twofold.Evaluation;

namespace Twofold.Tests.Evaluation;

public class DistributionTests
{
    [Fact]
    public void Gini_is_zero_for_equal_values_and_high_when_one_holds_everything()
    {
        Assert.Equal(0, Distribution.GiniOf([5, 5, 5, 5]), 12);
        Assert.Equal(0.75, Distribution.GiniOf([0, 0, 0, 10]), 12);
        Assert.Equal(0, Distribution.GiniOf([0, 0]), 12);
    }

    [Fact]
    public void Quantiles_and_top_share_follow_the_sorted_counts()
    {
        var counts = Enumerable.Range(1, 200).Select(i => (long)i).ToArray();
        var d = Distribution.Of(counts);
        Assert.Equal(200, d.Entities);
        Assert.Equal(100.5, d.Mean, 12);
        Assert.Equal(1, d.Min);
        Assert.Equal(101, d.P50);
        Assert.Equal(181, d.P90);
        Assert.Equal(200, d.Max);
        Assert.Equal((199 + 200) / (200 * 201 / 2.0), d.Top1PercentShare, 12);
    }
}
