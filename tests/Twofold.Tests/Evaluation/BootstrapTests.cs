using Twofold.Evaluation;

namespace Twofold.Tests.Evaluation;

public class BootstrapTests
{
    [Fact]
    public void A_real_difference_is_significant_and_no_difference_is_not()
    {
        var random = new Random(2);
        var control = Enumerable.Range(0, 500).Select(_ => random.NextDouble()).ToList();
        var better = control.Select(v => v * 1.2 + 0.01 * random.NextDouble()).ToList();
        var same = Enumerable.Range(0, 500).Select(_ => random.NextDouble()).ToList();

        var up = Bootstrap.RelativeChange(control, better);
        Assert.True(up.Significant);
        Assert.InRange(up.RelativeChange, 0.15, 0.25);
        Assert.True(up.Lower < up.RelativeChange && up.RelativeChange < up.Upper);

        var none = Bootstrap.RelativeChange(control, same);
        Assert.False(none.Significant);
        Assert.Equal(none, Bootstrap.RelativeChange(control, same)); // deterministic for the seed
    }
}
