using Twofold.Data;
using Twofold.Domain;
using Twofold.Ranking;
using Twofold.Tests.Support;

namespace Twofold.Tests.Ranking;

public class ScoreIntegrationTests
{
    private static readonly FeedbackTask[] Tasks = [FeedbackTask.Like, FeedbackTask.WatchTime];
    private static readonly ScoreWeights Weights = new(new Dictionary<FeedbackTask, double> { [FeedbackTask.Like] = 2, [FeedbackTask.WatchTime] = 0.5 });

    [Fact]
    public void User_side_is_the_weighted_sum_and_creator_side_divides_by_theta()
    {
        float[] predictions = [0.1f, 0.8f, 0.5f, 0.2f];
        Assert.Equal([0.6f, 1.1f], ScoreIntegration.UserSide(predictions, Tasks, Weights));

        using var dir = new TempDirectory();
        using (var writer = EventLogWriter.Open(dir.Path))
        {
            // User 0 likes 1 of 2 impressions; user 1 likes none of 2.
            writer.Append(new Interaction(new UserId(0), new ItemId(0), 0, 0, 0, Feedback.Like));
            writer.Append(new Interaction(new UserId(0), new ItemId(1), 1, 0, 0, Feedback.Click));
            writer.Append(new Interaction(new UserId(1), new ItemId(0), 2, 0, 0, Feedback.Click));
            writer.Append(new Interaction(new UserId(1), new ItemId(1), 3, 0, 0, Feedback.None));
            writer.Complete();
        }
        var bias = UserBias.FromLog(EventLog.Open(dir.Path), users: 3, smoothing: 2);
        Assert.Equal(0.25, bias.PopulationRate, 12);
        Assert.Equal((1 + 2 * 0.25) / (2 + 2), bias.Theta(0), 6);
        Assert.Equal((0 + 2 * 0.25) / (2 + 2), bias.Theta(1), 6);
        Assert.Equal(0.25, bias.Theta(2), 6); // no history: the population rate

        var file = Path.Combine(dir.Path, "bias.bin");
        bias.Save(file);
        var loaded = UserBias.Load(file);
        Assert.Equal(bias.Theta(1), loaded.Theta(1));
        Assert.Equal(bias.PopulationRate, loaded.PopulationRate);
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..^2]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => UserBias.Load(file)).Message);

        var g = ScoreIntegration.CreatorSide(predictions, Tasks, Weights, [0, 1], bias);
        Assert.Equal(0.6f / bias.Theta(0), g[0], 5);
        Assert.Equal(1.1f / bias.Theta(1), g[1], 5);
        // Versions without the user bias: the weighted sum alone.
        Assert.Equal([0.6f, 1.1f], ScoreIntegration.CreatorSide(predictions, Tasks, Weights, [0, 1], bias: null), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Misshapen_input_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ScoreIntegration.UserSide([1f, 2f, 3f], Tasks, Weights));
        Assert.Throws<ArgumentException>(() => new ScoreWeights(new Dictionary<FeedbackTask, double> { [FeedbackTask.Like] = double.NaN }).Validate());
        Assert.Equal(0f, FeedbackTask.WatchTime.Label(new Interaction(new UserId(0), new ItemId(0), 0, 0, 500, Feedback.None)));
        Assert.Equal(0.5f, FeedbackTask.WatchTime.Label(new Interaction(new UserId(0), new ItemId(0), 0, 1000, 500, Feedback.None)));
    }
}
