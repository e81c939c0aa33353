using Twofold.Domain;
using Twofold.Ranking;

namespace Twofold.Tests.Ranking;

/// <summary>
/// <see cref="ItemFeatureTable.Extend"/> grows into shared buffers (as a service's upload batches do, each extending the
/// trained table to a slightly longer catalogue): every table it hands out has the rows a single extension of a
/// freshly trained table gives, and keeps them while later tables grow.
/// </summary>
public class ItemFeatureTableGrowthTests
{
    private const int Trained = 6, Creators = 4;
    private static readonly string[] Genres = ["comedy", "food", "music"];

    [Fact]
    public void Batch_by_batch_growth_gives_the_rows_of_one_extension_and_leaves_earlier_tables_as_they_were()
    {
        var catalogue = Catalogue(60, seed: 1);
        var trained = TrainedTable();
        var handedOut = new List<ItemFeatureTable>();
        var random = new Random(2);
        for (var n = Trained; n < catalogue.Count;)
        {
            n = Math.Min(catalogue.Count, n + random.Next(1, 8));
            handedOut.Add(trained.Extend(catalogue.Take(n).ToList(), Creators));
        }

        foreach (var table in handedOut)
            AssertSameRows(catalogue, TrainedTable().Extend(catalogue.Take(table.Count).ToList(), Creators), table);
        // The buffers are shared, not copied per batch: most consecutive tables use the same arrays.
        var shared = handedOut.Zip(handedOut.Skip(1)).Count(p => ReferenceEquals(p.First.Creator, p.Second.Creator));
        Assert.True(shared >= handedOut.Count / 2, $"only {shared} of {handedOut.Count - 1} consecutive tables share their arrays");
    }

    [Fact]
    public void Another_catalogue_gets_rows_of_its_own_without_changing_tables_handed_out()
    {
        var first = Catalogue(20, seed: 1);
        var other = Catalogue(25, seed: 7); // the same trained items, other uploads
        var trained = TrainedTable();
        var a = trained.Extend(first, Creators);
        var b = trained.Extend(other, Creators);
        var c = trained.Extend(first.Take(14).ToList(), Creators);

        AssertSameRows(first, TrainedTable().Extend(first, Creators), a);
        AssertSameRows(other, TrainedTable().Extend(other, Creators), b);
        AssertSameRows(first, TrainedTable().Extend(first.Take(14).ToList(), Creators), c);
        // The same items again (other instances, same features) reuse the rows.
        var again = trained.Extend(other.Select(i => i with { }).ToList(), Creators);
        AssertSameRows(other, b, again);
    }

    [Fact]
    public void A_bad_upload_is_refused_and_the_growth_goes_on_as_before()
    {
        var catalogue = Catalogue(15, seed: 3);
        var trained = TrainedTable();
        var before = trained.Extend(catalogue.Take(10).ToList(), Creators);
        var bad = catalogue.Take(12).Append(catalogue[0] with { Id = new ItemId(12), Creator = new CreatorId(Creators) }).ToList();
        Assert.Throws<ArgumentException>(() => trained.Extend(bad, Creators));
        var unknownGenre = catalogue.Take(12).Append(catalogue[0] with { Id = new ItemId(12), Genre = "opera" }).ToList();
        Assert.Throws<ArgumentException>(() => trained.Extend(unknownGenre, Creators));
        var after = trained.Extend(catalogue, Creators);
        AssertSameRows(catalogue, TrainedTable().Extend(catalogue.Take(10).ToList(), Creators), before);
        AssertSameRows(catalogue, TrainedTable().Extend(catalogue, Creators), after);
    }

    private static void AssertSameRows(IReadOnlyList<Item> catalogue, ItemFeatureTable expected, ItemFeatureTable actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected.Creator[i], actual.Creator[i]);
            Assert.Equal(expected.Genre[i], actual.Genre[i]);
            Assert.Equal(expected.LogDuration[i], actual.LogDuration[i]);
            Assert.Equal(expected.TrainingImpressions[i], actual.TrainingImpressions[i]);
            Assert.Equal(expected.Engagements[i], actual.Engagements[i]);
            Assert.Equal(expected.SimilarOf(i).ToArray(), actual.SimilarOf(i).ToArray());
            Assert.Equal(expected.RecentUsersOf(i).ToArray(), actual.RecentUsersOf(i).ToArray());
        }
        // And what one extension of the trained table means: trained rows kept, added rows from the item alone.
        var trained = TrainedTable();
        for (var i = 0; i < Trained; i++) Assert.Equal(trained.SimilarOf(i).ToArray(), actual.SimilarOf(i).ToArray());
        for (var i = Trained; i < actual.Count; i++)
        {
            Assert.Equal(catalogue[i].Creator.Value, actual.Creator[i]);
            Assert.Equal(catalogue[i].Genre, Genres[actual.Genre[i]]);
            Assert.Equal(catalogue[i].DurationMs > 0 ? MathF.Log(catalogue[i].DurationMs / 20_000f) : 0f, actual.LogDuration[i]);
            Assert.Equal(0, actual.TrainingImpressions[i]);
            Assert.Empty(actual.RecentUsersOf(i).ToArray());
            Assert.All(actual.SimilarOf(i).ToArray(), v => Assert.Equal(0f, v));
        }
    }

    /// <summary>A trained table with non-zero features of every kind for <see cref="Trained"/> items.</summary>
    private static ItemFeatureTable TrainedTable()
    {
        var s = ItemFeatureTable.SimilarStatistics;
        var creator = Enumerable.Range(0, Trained).Select(i => i % Creators).ToArray();
        var genre = Enumerable.Range(0, Trained).Select(i => i % Genres.Length).ToArray();
        var logDuration = Enumerable.Range(0, Trained).Select(i => 0.1f * i).ToArray();
        var impressions = Enumerable.Range(0, Trained).Select(i => 10 + i).ToArray();
        var similar = Enumerable.Range(0, Trained * s).Select(k => 0.01f * k).ToArray();
        int[] offsets = [0, 1, 3, 3, 4, 6, 7];
        int[] recent = [5, 1, 2, 9, 3, 4, 8];
        var engagements = Enumerable.Range(0, Trained).Select(i => i + 1).ToArray();
        return new ItemFeatureTable(Genres, creator, genre, logDuration, impressions, similar, offsets, recent, engagements);
    }

    /// <summary>The trained items followed by uploads with random creators, genres and durations.</summary>
    private static List<Item> Catalogue(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => i < Trained
                ? new Item(new ItemId(i), $"i{i}", new CreatorId(i % Creators), 0, 20_000, Genres[i % Genres.Length], [])
                : new Item(new ItemId(i), $"u{seed}-{i}", new CreatorId(random.Next(Creators)), 0, random.Next(0, 60_000), Genres[random.Next(Genres.Length)], []))
            .ToList();
    }
}
