using Twofold.Data;
using Twofold.Domain;
using Twofold.Pipeline;
using Twofold.Server.Serving;
using Twofold.Server.Tests.Support;

namespace Twofold.Server.Tests;

/// <summary>
/// The refresh folds a day's events into the θ_u counts and the activity history kept since start-up: the result is
/// what building over the dataset and the whole journal gives, and an event filed on a day already condensed makes it
/// build afresh.
/// </summary>
[Collection(BundleCollection.Name)]
public sealed class FoldedEventsTests(BundleFixture fixture)
{
    [Fact]
    public void Folding_a_day_equals_building_over_it_and_a_late_event_rebuilds()
    {
        using var bundle = ModelBundle.Load(fixture.Bundle);
        var dataset = Dataset.Open(fixture.World);
        var users = fixture.Manifest.Users;
        var firstDay = EventLogDays.FromDate(dataset.Events.Days.First());
        var day = EventLogDays.FromDate(dataset.Events.Days.Last()) + 1;
        var start = FoldedEvents.Build(dataset, Events(day, 0), 0, users, firstDay, day);

        var today = Events(day, 30);
        var folded = start.Fold(today, 30, day, () => throw new InvalidOperationException("the day's events fall on the day being closed"));
        var built = FoldedEvents.Build(dataset, today, 30, users, firstDay, day + 1);
        Assert.Equal(built.History.Days, folded.History.Days);
        for (var u = 0; u < users; u++)
        {
            Assert.Equal(bundle.Bias.Theta(u), start.Bias(bundle).Theta(u)); // nothing folded yet: the bundle's own θ_u
            Assert.Equal(built.Bias(bundle).Theta(u), folded.Bias(bundle).Theta(u));
            for (var d = 0; d < built.History.Days; d++)
            {
                Assert.Equal(built.History.Visited(u, d), folded.History.Visited(u, d));
                Assert.Equal(built.History.Positives(u, d), folded.History.Positives(u, d));
            }
        }
        Assert.True(folded.History.Visited(0, day - firstDay));
        Assert.Equal(built.PredictActive(bundle), folded.PredictActive(bundle));
        Assert.Equal(day - firstDay, start.History.Days); // folding made a new one

        // An event filed on the day before (recorded while a refresh switched days) is not lost: the fold builds afresh.
        var late = Events(day - 1, 1);
        Assert.Same(built, start.Fold(late, 31, day, () => built));
        Assert.Throws<ArgumentException>(() => folded.Fold(Events(day, 1), 31, day - 1, () => built));
    }

    /// <summary><paramref name="count"/> impressions on <paramref name="day"/> by users 0 … count − 1, every third liked.</summary>
    private static InteractionBatch Events(int day, int count)
    {
        var batch = new InteractionBatch([]);
        for (var n = 0; n < count; n++)
            batch.Add(new Interaction(new UserId(n), new ItemId(n % 7), (long)day * EventLogDays.MsPerDay + n * 60_000L, 15_000, 9_000,
                Feedback.Click | (n % 3 == 0 ? Feedback.Like : Feedback.None)));
        return batch;
    }
}
