using Twofold.Pipeline;
using Twofold.Vectors;

namespace Twofold.Tests.Pipeline;

/// <summary>
/// A large catalogue's unfiltered item searches take the quantised first pass with exact re-scoring, over every item or
/// the probed clusters' members: nearly the exact scan's top-k (recall at least 0.99, 0.95 clustered), never a
/// row without an embedding, and exact scores; filtered searches stay exact.
/// </summary>
public class ItemVectorsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unfiltered_searches_of_a_large_catalogue_find_the_exact_top_k_through_the_quantised_pass(bool clustered)
    {
        const int d = 64, count = ItemVectors.QuantisedFrom + 2_000, k = 200;
        var rows = SyntheticEmbeddings.Clustered(count, d, seed: 21);
        var missing = new bool[count];
        for (var i = 0; i < count; i += 97)
        {
            missing[i] = true;
            rows.AsSpan(i * d, d).Clear();
        }
        var vectors = ItemVectors.Build(rows, d, missing, Search(clustered));
        var exact = new FlatIndex(rows, d);
        // Queries from another draw (users are not items), some far from every cluster.
        var queries = SyntheticEmbeddings.Clustered(40, d, seed: 22, clusters: 8, noise: 2.0);

        double hits = 0;
        for (var q = 0; q < 40; q++)
        {
            var query = queries.AsSpan(q * d, d).ToArray();
            var found = vectors.Search(query, k, null);
            var truth = exact.Search(query, k + count / 97 + 1).Where(n => !missing[n.Id]).Take(k).Select(n => n.Id).ToHashSet();
            Assert.Equal(k, found.Length);
            Assert.All(found, n => Assert.False(missing[n.Id]));
            Assert.All(found, n =>
            {
                var score = VectorKernels.Dot(query, rows.AsSpan(n.Id * d, d));
                Assert.True(Math.Abs(score - n.Score) <= 1e-5f * Math.Max(1, Math.Abs(score)), $"{n.Score} is not the exact {score}");
            });
            hits += found.Count(n => truth.Contains(n.Id));
        }
        // The clusters lose a little more on these queries, many far from every cluster (0.9775 here; 1.0000 on the
        // trained 1,000,000-user bundle's user queries, bench/README.md).
        Assert.True(hits / (40.0 * k) >= (clustered ? 0.95 : 0.99), $"recall@{k} {hits / (40.0 * k):F4}");

        // A filter takes the exact index.
        var filter = new IdFilter(count);
        for (var i = 0; i < count; i += 3) filter.Set(i);
        var probe = queries.AsSpan(0, d).ToArray();
        var expected = exact.Search(probe, k + count, filter).Where(n => !missing[n.Id]).Take(k).Select(n => n.Id);
        Assert.Equal(expected, vectors.Search(probe, k, filter).Select(n => n.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Searching_many_queries_at_once_answers_each_as_alone_before_and_after_growth(bool clustered)
    {
        const int d = 64, count = ItemVectors.QuantisedFrom + 300, k = 50, queryCount = 7;
        var rows = SyntheticEmbeddings.Clustered(count + 40, d, seed: 31);
        var missing = new bool[count];
        missing[5] = true;
        rows.AsSpan(5 * d, d).Clear();
        var built = ItemVectors.Build(rows.AsSpan(0, count * d).ToArray(), d, missing, Search(clustered));
        // 40 uploads since the build, every fourth without an embedding.
        var grown = built.Grow(count + 40, (item, row) =>
        {
            if (item % 4 == 0) return false;
            rows.AsSpan(item * d, d).CopyTo(row);
            return true;
        });
        var queries = SyntheticEmbeddings.Clustered(queryCount, d, seed: 32, clusters: 2, noise: 2.0);
        var filter = new IdFilter(count + 40);
        for (var i = 0; i < count + 40; i += 2) filter.Set(i);

        foreach (var vectors in new[] { built, grown })
            foreach (var f in new[] { null, filter })
            {
                var together = vectors.SearchMany(queries, k, f);
                Assert.Equal(queryCount, together.Length);
                for (var q = 0; q < queryCount; q++)
                    Assert.Equal(vectors.Search(queries.AsSpan(q * d, d).ToArray(), k, f), together[q]);
            }
        // The uploads take part: some query's answer holds one of them.
        Assert.Contains(grown.SearchMany(queries, k, null), found => found.Any(n => n.Id >= count));
    }

    [Fact]
    public void Uploads_over_many_growths_are_searched_exactly_across_the_blocks_they_are_kept_in()
    {
        // 700 uploads after a build of 500 items, in growths of 37 (the recent items span sealed blocks and a partial
        // one), every fifth without an embedding; and a branch grown from an older generation.
        const int d = 16, count = 500, uploads = 700, k = 30;
        var rows = SyntheticEmbeddings.Clustered(count + uploads, d, seed: 41);
        var missing = new bool[count + uploads];
        for (var i = count; i < count + uploads; i += 5) missing[i] = true;
        var fill = Uploads(rows, missing, d);
        var vectors = ItemVectors.Build(rows.AsSpan(0, count * d).ToArray(), d, new bool[count]);
        ItemVectors? older = null;
        for (var size = count + 37; size < count + uploads; size += 37)
        {
            vectors = vectors.Grow(size, fill);
            if (size == count + 37 * 9) older = vectors;
        }
        vectors = vectors.Grow(count + uploads, fill);
        var branch = older!.Grow(count + 37 * 9 + 300, fill);

        var queries = SyntheticEmbeddings.Clustered(5, d, seed: 42, clusters: 2, noise: 2.0);
        var filter = new IdFilter(count + uploads);
        for (var i = 1; i < count + uploads; i += 3) filter.Set(i);
        foreach (var (grown, rowsNow) in new[] { (vectors, count + uploads), (branch, count + 37 * 9 + 300) })
            foreach (var f in new[] { null, filter })
                for (var q = 0; q < 5; q++)
                {
                    var query = queries.AsSpan(q * d, d).ToArray();
                    var expected = Enumerable.Range(0, rowsNow).Where(i => !missing[i] && (f is null || f.Contains(i)))
                        .Select(i => (Id: i, Score: VectorKernels.Dot(query, rows.AsSpan(i * d, d))))
                        .OrderByDescending(n => n.Score).ThenBy(n => n.Id).Take(k).Select(n => n.Id);
                    Assert.Equal(expected, grown.Search(query, k, f).Select(n => n.Id));
                }
    }

    [Fact]
    public void Uploads_join_the_clusters_and_every_generation_searches_exactly_its_own_rows()
    {
        const int d = 32, count = ItemVectors.QuantisedFrom + 500, uploads = 900, k = 40;
        var rows = SyntheticEmbeddings.Clustered(count + uploads, d, seed: 51);
        var missing = new bool[count + uploads];
        for (var i = count; i < count + uploads; i += 7) missing[i] = true;
        var fill = Uploads(rows, missing, d);
        // Every cluster probed: the exact scan, up to what the 8-bit first pass misses.
        var search = new ClusteredSearchOptions { From = 1, Clusters = 40, Probes = 40 };
        var built = ItemVectors.Build(rows.AsSpan(0, count * d).ToArray(), d, new bool[count], search);
        var queries = SyntheticEmbeddings.Clustered(6, d, seed: 52, clusters: 3, noise: 2.0);

        // Grown before the clusters exist: its uploads are scanned exactly, and stay so.
        var early = built.Grow(count + 50, fill);
        built.BuildIndexes();
        var generations = new List<(ItemVectors Vectors, int Rows, Neighbor[][] Answers)> { (early, count + 50, early.SearchMany(queries, k, null)) };
        for (var size = count + 150; size <= count + uploads; size += 125)
        {
            var grown = generations[^1].Vectors.Grow(Math.Min(size, count + uploads), fill);
            generations.Add((grown, Math.Min(size, count + uploads), grown.SearchMany(queries, k, null)));
        }
        var branch = generations[2].Vectors.Grow(generations[2].Rows + 200, fill);

        Assert.False(early.UploadsClustered);
        Assert.All(generations.Skip(1), g => Assert.True(g.Vectors.UploadsClustered));
        Assert.False(branch.UploadsClustered); // its ids would be the other chain's uploads in the clusters
        foreach (var (vectors, rowsNow, answers) in generations.Append((branch, generations[2].Rows + 200, branch.SearchMany(queries, k, null))))
        {
            // Later generations' uploads, folded into the same clusters, are not seen by an earlier one.
            Assert.Equal(answers, vectors.SearchMany(queries, k, null));
            for (var q = 0; q < 6; q++)
            {
                var query = queries.AsSpan(q * d, d).ToArray();
                var found = vectors.Search(query, k, null);
                Assert.Equal(answers[q], found);
                Assert.All(found, n => Assert.True(n.Id < rowsNow && !missing[n.Id], $"item {n.Id} of {rowsNow}"));
                var truth = Enumerable.Range(0, rowsNow).Where(i => !missing[i])
                    .OrderByDescending(i => VectorKernels.Dot(query, rows.AsSpan(i * d, d))).ThenBy(i => i).Take(k).ToHashSet();
                Assert.True(found.Count(n => truth.Contains(n.Id)) >= 0.98 * k, $"recall of generation {rowsNow}");
            }
        }
        Assert.Contains(generations[^1].Answers, found => found.Any(n => n.Id >= count + 50));
    }

    /// <summary>A growth's rows: each upload's row of <paramref name="rows"/>, or none where <paramref name="missing"/>.</summary>
    private static Func<int, Span<float>, bool> Uploads(float[] rows, bool[] missing, int d) => (item, row) =>
    {
        if (missing[item]) return false;
        rows.AsSpan(item * d, d).CopyTo(row);
        return true;
    };

    /// <summary>The clustered search from any size (the feeds' default starts at 200,000 items), or never.</summary>
    private static ClusteredSearchOptions Search(bool clustered) => clustered ? new ClusteredSearchOptions { From = 1 } : ClusteredSearchOptions.Never;
}
