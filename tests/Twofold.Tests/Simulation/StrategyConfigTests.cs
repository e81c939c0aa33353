using Twofold.Cli.Commands;
using Twofold.CreatorSide;
using Twofold.Simulation;

namespace Twofold.Tests.Simulation;

public class StrategyConfigTests
{
    [Fact]
    public void A_name_may_carry_settings_and_a_tag()
    {
        var s = StrategyConfig.Named("dualrec:lambda=0.25,active=top0.3,feed_bias=false");
        Assert.Equal("dualrec:lambda=0.25,active=top0.3,feed_bias=false", s.Name);
        Assert.Equal(5, s.DualRecVersion);
        Assert.Equal(0.25, s.Lambda);
        Assert.Equal(ActiveSetRule.Top(0.3), s.ActiveSet);
        Assert.False(s.BoostWithUserBias);
        Assert.Equal(ActiveSetRule.AtLeast(0.3), StrategyConfig.Named("dualrec:active=0.3").ActiveSet);

        var aa = StrategyConfig.Named("base#2");
        Assert.Equal(StrategyConfig.Named("base") with { Name = "base#2" }, aa);
        var v1 = StrategyConfig.Named("dualrec-v1-no-activity");
        Assert.Equal(1, v1.DualRecVersion);
        Assert.False(v1.ActivityPrediction);
    }

    [Theory]
    [InlineData("base:lambda=2", "DualRec strategies only")]
    [InlineData("dualrec:speed=2", "Unknown strategy setting 'speed'")]
    [InlineData("dualrec:lambda=fast", "lambda must be a number")]
    [InlineData("dualrec:lambda=-1", "non-negative")]
    [InlineData("dualrec:active=top2", "fraction")]
    [InlineData("dualrec:feed_bias=maybe", "true or false")]
    [InlineData("dualrec:lambda", "key=value")]
    [InlineData("base#", "tag")]
    [InlineData("dualrek", "Unknown strategy 'dualrek'")]
    public void Bad_names_and_settings_are_errors_that_say_what_is_wrong(string name, string message)
    {
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => StrategyConfig.Named(name)).Message);
    }

    [Fact]
    public void Every_named_config_is_embedded_and_valid()
    {
        Assert.Contains("findings-expo", NamedConfigs.Names);
        Assert.Contains("findings-hit-rate", NamedConfigs.Names);
        Assert.Contains("findings-du", NamedConfigs.Names);
        Assert.Contains("findings-coverage", NamedConfigs.Names);
        Assert.Contains("findings-ladder", NamedConfigs.Names);
        foreach (var name in NamedConfigs.Names) NamedConfigs.Load(name).Validate();
        Assert.Equal(["dualrec-no-store", "dualrec-no-activity"], NamedConfigs.Load("findings-du").Arms);
        var error = Assert.Throws<FileNotFoundException>(() => NamedConfigs.Load("findings-nothing"));
        Assert.Contains("findings-du", error.Message);
    }
}
