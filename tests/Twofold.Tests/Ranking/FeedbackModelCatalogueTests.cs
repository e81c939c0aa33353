using Twofold.Domain;
using Twofold.Ranking;

namespace Twofold.Tests.Ranking;

[Collection(FeedbackModelCollection.Name)]
public class FeedbackModelCatalogueTests(FeedbackModelFixture fixture)
{
    [Fact]
    public void A_grown_catalogue_scores_new_items_through_the_unknown_item_row_and_keeps_old_scores()
    {
        var items = fixture.Dataset.ReadItems();
        var model = fixture.Model;
        var template = items[^1];
        var grown = items.Append(template with { Id = new ItemId(items.Count), ExternalId = "new" }).ToList();
        using var view = model.WithCatalogue(grown);

        int[] users = [0, 1, 2];
        Assert.Equal(model.Predict(users, [3, 4, 5]), view.Predict(users, [3, 4, 5]));
        Assert.Throws<ArgumentException>(() => model.Predict([0], [items.Count]));
        var fresh = view.Predict([0], [items.Count]);
        Assert.All(fresh, p => Assert.InRange(p, 0f, 1f));
        // New items go through the unknown-item row with their own creator, genre and duration and neutral
        // similar-item statistics: two new items with the same features score the same, and their statistics are 0.
        var twin = grown[^1] with { Id = new ItemId(items.Count + 1), ExternalId = "twin" };
        using var withTwin = model.WithCatalogue(grown.Append(twin).ToList());
        Assert.Equal(withTwin.Predict([0], [items.Count]), withTwin.Predict([0], [items.Count + 1]));
        Assert.Equal(fresh, withTwin.Predict([0], [items.Count]));
        Assert.All(withTwin.ItemTable.SimilarOf(items.Count).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(0, withTwin.ItemTable.TrainingImpressions[items.Count]);

        var stranger = template with { Id = new ItemId(items.Count), Creator = new CreatorId(model.Creators) };
        Assert.Throws<ArgumentException>(() => model.WithCatalogue(items.Append(stranger).ToList()));
    }
}
