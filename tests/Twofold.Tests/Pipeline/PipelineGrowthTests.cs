using Twofold.CreatorSide;
using Twofold.Domain;
using Twofold.Pipeline;
using Twofold.Storage;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Pipeline;

/// <summary>
/// A pipeline grown by uploads (<c>grownFrom</c>: content lists, embeddings and the item index extended, the rest
/// shared) serves the uploads exactly as a pipeline built afresh over the grown catalogue does.
/// </summary>
public class PipelineGrowthTests
{
    [Fact]
    public void A_grown_pipeline_dispatches_uploads_and_serves_feeds_as_one_built_afresh()
    {
        using var dir = new TempDirectory();
        var (dataset, bundle) = SmallBundle.Train(dir, new WorldConfig { Users = 500, Creators = 50, Days = 9, Seed = 21 }, rankerSamples: 10_000);
        using var disposeBundle = bundle;
        var catalogue = dataset.ReadItems().ToList();
        var random = new Random(4);
        var dimension = catalogue.First(i => i.ContentEmbedding is not null).ContentEmbedding!.Length;
        Item Upload(int id) => new(new ItemId(id), $"up{id}", new CreatorId(id % 50), 0, 12_000, catalogue[id % catalogue.Count].Genre, [],
            id % 5 == 0 ? null : Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
        var first = catalogue.Concat(Enumerable.Range(catalogue.Count, 3).Select(Upload)).ToList();
        var second = first.Concat(Enumerable.Range(first.Count, 4).Select(Upload)).ToList();
        var third = second.Concat(Enumerable.Range(second.Count, 2).Select(Upload)).ToList();

        const int day = 30_000;
        var all = Enumerable.Range(0, 500).ToArray();
        var dispatch = DispatchOptions.Version(5) with { Limit = 40 };
        using var grownStore = new InMemoryAvailabilityStore();
        var start = new DualRecPipeline(bundle, catalogue, grownStore, dispatch, new CombinedOptions());
        // A service prepares at start-up what growths would otherwise build on an upload's path; grown pipelines share it.
        Assert.False(start.UploadFallbackBuilt);
        start.PrepareForServing();
        Assert.True(start.UploadFallbackBuilt);
        start.CreatorSide!.OpenDay(day, all);
        var step1 = new DualRecPipeline(bundle, first, grownStore, dispatch, new CombinedOptions(), grownFrom: start);
        var step2 = new DualRecPipeline(bundle, second, grownStore, dispatch, new CombinedOptions(), grownFrom: step1);
        // Another growth from step 1 (whose buffers step 2 now extends) must leave step 2 as it is.
        var branchCatalogue = first.Append(Upload(first.Count) with { ExternalId = "branch" }).ToList();
        var branch = new DualRecPipeline(bundle, branchCatalogue, grownStore, dispatch, new CombinedOptions(), grownFrom: step1);
        var step3 = new DualRecPipeline(bundle, third, grownStore, dispatch, new CombinedOptions(), grownFrom: step2);
        Assert.True(step3.UploadFallbackBuilt);

        // Each step's uploads get what a pipeline built afresh over the catalogue of that moment gives them.
        var d = bundle.TwoTower.Dimension;
        foreach (var (grown, moment, from) in new[] { (step1, first, catalogue.Count), (step2, second, first.Count), (branch, branchCatalogue, first.Count), (step3, third, second.Count) })
        {
            using var scratch = new InMemoryAvailabilityStore();
            var fresh = new DualRecPipeline(bundle, moment, scratch, dispatch, new CombinedOptions());
            Assert.Equal(moment.Count, grown.ItemCount);
            for (var item = from; item < moment.Count; item++)
            {
                Assert.Equal(fresh.ContentSimilarity.Neighbors(item).ToArray(), grown.ContentSimilarity.Neighbors(item).ToArray());
                Assert.True(fresh.ItemEmbeddings.Span.Slice(item * d, d).SequenceEqual(grown.ItemEmbeddings.Span.Slice(item * d, d)), $"embedding of item {item}");
            }
        }
        Assert.True(step3.ItemEmbeddings.Span[..(second.Count * d)].SequenceEqual(step2.ItemEmbeddings.Span));

        // Dispatch and feeds over step 1 equal those of a fresh pipeline with a ledger in the same state.
        using var freshStore = new InMemoryAvailabilityStore();
        var afresh = new DualRecPipeline(bundle, first, freshStore, dispatch, new CombinedOptions());
        afresh.CreatorSide!.OpenDay(day, all);
        for (var item = catalogue.Count; item < first.Count; item++)
        {
            var a = step1.CreatorSide!.Dispatch(day, item);
            var b = afresh.CreatorSide!.Dispatch(day, item);
            Assert.NotEmpty(a.Users);
            Assert.Equal(b.Users.Select(u => (u.User, u.Source)), a.Users.Select(u => (u.User, u.Source)));
        }
        foreach (var user in new[] { 0, 17, 123, 499 })
            Assert.Equal(afresh.Feed.Feed(day, user, 30).Select(e => (e.Item, e.Source)), step1.Feed.Feed(day, user, 30).Select(e => (e.Item, e.Source)));

        // Later steps rank with the item rows each grew from the step before (step 3 from step 2, the branch from step 1
        // after step 2 had extended the same rows): their feeds, uploads included, are those of pipelines built afresh
        // (on a day with nothing reserved, so both read the same empty D_u).
        const int feedDay = day + 1;
        step3.CreatorSide!.OpenDay(feedDay, all);
        foreach (var (grown, moment) in new[] { (step3, third), (branch, branchCatalogue) })
        {
            using var scratch = new InMemoryAvailabilityStore();
            var fresh = new DualRecPipeline(bundle, moment, scratch, dispatch, new CombinedOptions());
            fresh.CreatorSide!.OpenDay(feedDay, all);
            var feeds = new[] { 0, 17, 123, 499 }.Select(user => (Grown: grown.Feed.Feed(feedDay, user, 200), Fresh: fresh.Feed.Feed(feedDay, user, 200))).ToList();
            foreach (var (fromGrown, fromFresh) in feeds)
                Assert.Equal(fromFresh.Select(e => (e.Item, e.Score)), fromGrown.Select(e => (e.Item, e.Score)));
            Assert.Contains(feeds, f => f.Grown.Any(e => e.Item >= catalogue.Count)); // the uploads' rows were ranked
        }
    }

    [Fact]
    public void Preparing_for_serving_makes_room_so_the_first_upload_copies_none_of_the_catalogue()
    {
        using var dir = new TempDirectory();
        var (dataset, bundle) = SmallBundle.Train(dir, new WorldConfig { Users = 400, Creators = 400, Days = 9, Seed = 5 }, rankerSamples: 5_000);
        using var disposeBundle = bundle;
        var catalogue = dataset.ReadItems().ToList();
        var dimension = catalogue.First(i => i.ContentEmbedding is not null).ContentEmbedding!.Length;
        var withUpload = catalogue.Append(new Item(new ItemId(catalogue.Count), "upload", new CreatorId(3), 0, 12_000, catalogue[0].Genre, [],
            Enumerable.Range(0, dimension).Select(d => MathF.Sin(d + 1)).ToArray())).ToList();
        var dispatch = DispatchOptions.Version(5);
        using var store = new InMemoryAvailabilityStore();

        // What the first growth of a pipeline allocates; the first call compiles the growth's code.
        long FirstGrowth(bool prepared, out DualRecPipeline grown)
        {
            var start = new DualRecPipeline(bundle, catalogue, store, dispatch, new CombinedOptions());
            if (prepared) start.PrepareForServing();
            var before = GC.GetAllocatedBytesForCurrentThread();
            grown = new DualRecPipeline(bundle, withUpload, store, dispatch, new CombinedOptions(), grownFrom: start);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        FirstGrowth(prepared: false, out _);
        var unprepared = FirstGrowth(prepared: false, out var fromUnprepared);
        var prepared = FirstGrowth(prepared: true, out var fromPrepared);

        // Without the room, the growth copies the item embeddings (among others) into a buffer twice their size; with it,
        // it allocates less than one copy of them, and serves the same rows.
        var embeddingBytes = (long)catalogue.Count * bundle.TwoTower.Dimension * sizeof(float);
        Assert.True(unprepared > 2 * embeddingBytes, $"unprepared growth allocated {unprepared:N0} bytes; one embedding buffer is {embeddingBytes:N0}");
        Assert.True(prepared < embeddingBytes, $"prepared growth allocated {prepared:N0} bytes; one embedding buffer is {embeddingBytes:N0}");
        Assert.True(fromUnprepared.ItemEmbeddings.Span.SequenceEqual(fromPrepared.ItemEmbeddings.Span));
        Assert.Equal(fromUnprepared.ContentSimilarity.Neighbors(catalogue.Count).ToArray(), fromPrepared.ContentSimilarity.Neighbors(catalogue.Count).ToArray());
    }
}
