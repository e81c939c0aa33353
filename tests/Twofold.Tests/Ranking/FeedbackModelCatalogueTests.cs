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
        // A new item with the same features as an item the model never saw in training scores the same way.
        var unseen = Enumerable.Range(0, model.Items).FirstOrDefault(i => model.ItemTable.TrainingImpressions[i] == 0
            && model.ItemTable.Creator[i] == template.Creator.Value, -1);
        if (unseen >= 0 && items[unseen].Genre == template.Genre && items[unseen].DurationMs == template.DurationMs)
            Assert.Equal(view.Predict([0], [unseen]), fresh);

        var stranger = template with { Id = new ItemId(items.Count), Creator = new CreatorId(model.Creators) };
        Assert.Throws<ArgumentException>(() => model.WithCatalogue(items.Append(stranger).ToList()));
    }
}
