using Twofold.Simulation;

namespace Twofold.Tests.Simulation;

public class SimulationConfigTests
{
    [Theory]
    [InlineData(7, 7, "warm_up_days (7) must exceed the activity model's min_history_days (7)")]
    [InlineData(3, 5, "warm_up_days (3) must exceed the activity model's min_history_days (5)")]
    [InlineData(0, 3, "warm_up_days must be at least 1")]
    public void Too_short_a_warm_up_for_the_activity_model_is_refused_before_the_run(int warmUp, int minHistory, string message)
    {
        var json = $$"""{ "warm_up_days": {{warmUp}}, "platform": { "bundle": { "activity": { "min_history_days": {{minHistory}} } } } }""";
        var error = Assert.Throws<ArgumentException>(() => SimulationConfig.Parse(json, "test").Validate());
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_warm_up_one_day_longer_than_the_activity_history_is_enough_and_without_the_activity_model_any_length_is()
    {
        SimulationConfig.Parse("""{ "warm_up_days": 8, "platform": { "bundle": { "activity": { "min_history_days": 7 } } } }""", "test").Validate();
        SimulationConfig.Parse("""{ "warm_up_days": 2, "platform": { "bundle": { "train_activity": false } } }""", "test").Validate();
    }
}
