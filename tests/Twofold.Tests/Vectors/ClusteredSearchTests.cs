using Twofold.Vectors;
using static Twofold.Tests.Vectors.VectorTestSupport;

namespace Twofold.Tests.Vectors;

public class ClusteredSearchTests
{
    private const int N = 20_000, D = 32, K = 100;

    // Points and queries from different seeds, hence around different centres: the queries are unlike the points,
    // as item embeddings are unlike the user embeddings they are searched against.
    private static readonly float[] Points = SyntheticEmbeddings.Clustered(N, D, seed: 61, clusters: 48, normalised: false);
    private static readonly float[] Queries = SyntheticEmbeddings.Clustered(16, D, seed: 62, clusters: 48, normalised: false);
    private static readonly VectorClusters Clusters = VectorClusters.Train(Points, D, clusters: 100, seed: 3);

    private static ClusteredVectorSet Filled(int probes, bool quantised, Func<int, bool>? admit = null)
    {
        var set = new ClusteredVectorSet(Clusters, probes, quantised ? CompactVectorSet.QuantisationScales(Points, D) : null);
        for (int id = 0; id < N; id++) if (admit?.Invoke(id) ?? true) set.Add(id, Row(Points, D, id));
        return set;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Probing_a_fifth_of_the_clusters_finds_most_of_the_exact_top_k_and_probing_all_finds_all(bool quantised)
    {
        var some = Filled(20, quantised);
        var all = Filled(100, quantised);
        var recalls = new List<double>();
        for (int j = 0; j < Queries.Length / D; j++)
        {
            var q = Row(Queries, D, j);
            var expected = NaiveTopK(Points, D, q, K);
            var found = some.Search(q, K);
            Assert.Equal(K, found.Length);
            foreach (var f in found) Assert.Equal(VectorDot(f.Id, q), f.Score, 1e-4);
            Assert.Equal(found.OrderByDescending(f => f.Score).ThenBy(f => f.Id), found);
            recalls.Add(Recall(expected, found));
            // All clusters probed: the exact scan, up to what the 8-bit first pass misses.
            Assert.True(Recall(expected, all.Search(q, K)) >= (quantised ? 0.98 : 1.0));
        }
        Assert.True(recalls.Average() >= 0.9, $"recall@{K} {recalls.Average():F4} probing 20 of 100 clusters");
        Assert.True(recalls.Average() < 1.0, "probing a fifth of the clusters should miss something, or the test says nothing about probing");
    }

    [Fact]
    public void A_removed_id_is_never_returned_even_when_it_would_be_the_best()
    {
        var set = Filled(10, quantised: true);
        var q = Row(Queries, D, 0);
        var removed = new HashSet<int>();
        for (int round = 0; round < 50; round++)
        {
            var best = set.Search(q, K)[0].Id;
            Assert.True(set.Remove(best));
            Assert.False(set.Remove(best));
            Assert.False(set.Contains(best));
            removed.Add(best);
            Assert.DoesNotContain(set.Search(q, K), f => removed.Contains(f.Id));
        }
        Assert.Equal(N - removed.Count, set.Count);
        // The remaining exact top k, from the admitted ids only.
        var expected = NaiveTopK(Points, D, q, K, id => !removed.Contains(id));
        Assert.True(Recall(expected, Filled(100, quantised: false, id => !removed.Contains(id)).Search(q, K)) == 1.0);
    }

    [Fact]
    public void Few_members_left_are_all_found_beyond_the_probed_clusters()
    {
        // 150 ids left, scattered over the clusters: the nearest 2 clusters hold too few, so the search probes on.
        var random = new Random(5);
        var kept = Enumerable.Range(0, N).OrderBy(_ => random.Next()).Take(150).ToHashSet();
        var set = Filled(2, quantised: true, kept.Contains);
        var q = Row(Queries, D, 1);
        var found = set.Search(q, K);
        Assert.Equal(K, found.Length);
        Assert.True(Recall(NaiveTopK(Points, D, q, K, kept.Contains), found) >= 0.98);
    }

    [Fact]
    public void A_reset_day_searches_as_a_freshly_filled_set()
    {
        var random = new Random(7);
        var set = Filled(16, quantised: true);
        for (int i = 0; i < 5000; i++) set.Remove(random.Next(N));
        // Reset: empty, then the next day's ids.
        for (int id = 0; id < N; id++) set.Remove(id);
        Assert.Equal(0, set.Count);
        Assert.Empty(set.Search(Row(Queries, D, 0), K));
        Func<int, bool> nextDay = id => id % 3 != 0;
        for (int id = 0; id < N; id++) if (nextDay(id)) set.Add(id, Row(Points, D, id));
        var fresh = Filled(16, quantised: true, nextDay);
        Assert.Equal(fresh.Count, set.Count);
        Assert.Equal(fresh.SearchBatch(Queries, K), set.SearchBatch(Queries, K));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_batch_returns_what_each_query_alone_returns(bool quantised)
    {
        var set = Filled(12, quantised, id => id % 4 != 1);
        var batch = set.SearchBatch(Queries, K);
        for (int j = 0; j < Queries.Length / D; j++) Assert.Equal(set.Search(Row(Queries, D, j), K), batch[j]);
    }

    [Fact]
    public void Clusters_are_the_same_for_the_same_seed_and_differ_for_another()
    {
        var again = VectorClusters.Train(Points, D, clusters: 100, seed: 3);
        Assert.Equal(Clusters.Centroids, again.Centroids);
        Assert.Equal(Clusters.Assignment, again.Assignment);
        Assert.NotEqual(Clusters.Assignment, VectorClusters.Train(Points, D, clusters: 100, seed: 4).Assignment);
        var set = new ClusteredVectorSet(again, 8, CompactVectorSet.QuantisationScales(Points, D));
        for (int id = 0; id < N; id++) set.Add(id, Row(Points, D, id));
        Assert.Equal(Filled(8, quantised: true).SearchBatch(Queries, K), set.SearchBatch(Queries, K));
    }

    [Fact]
    public void Every_point_lies_in_the_cluster_of_its_nearest_centroid()
    {
        for (int id = 0; id < N; id += 97)
        {
            double Distance(int c)
            {
                double s = 0;
                for (int t = 0; t < D; t++) s += Math.Pow(Points[id * D + t] - Clusters.Centroids[c * D + t], 2);
                return s;
            }
            var nearest = Enumerable.Range(0, Clusters.Count).MinBy(Distance);
            Assert.True(Distance(Clusters.Assignment[id]) <= Distance(nearest) * (1 + 1e-4) + 1e-6);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ids_past_the_trained_ones_are_searched_like_the_rest_and_a_snapshot_hides_those_added_after_it(bool quantised)
    {
        // The first N − 2,000 points are the trained ids; the last 2,000 come later, as a catalogue's uploads do.
        const int Trained = N - 2_000;
        var clusters = VectorClusters.Train(Points.AsSpan(0, Trained * D), D, clusters: 60, seed: 5);
        var set = new ClusteredVectorSet(clusters, probes: 60, quantised ? CompactVectorSet.QuantisationScales(Points, D) : null);
        for (int id = 0; id < Trained; id++) set.Add(id, Row(Points, D, id));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Add(Trained, Row(Points, D, Trained)));
        var asTrained = set.TakeSnapshot();
        var before = set.SearchBatch(Queries, K);

        set.GrowIds(N);
        for (int id = Trained; id < N; id++) Assert.True(set.Add(id, Row(Points, D, id)));
        Assert.Equal(N, set.Count);
        Assert.Equal(Trained, asTrained.Count);
        // Every cluster probed: the exact scan over all N, up to what the 8-bit first pass misses, the later ids among them.
        var found = set.SearchBatch(Queries, K);
        for (int j = 0; j < Queries.Length / D; j++)
            Assert.True(Recall(NaiveTopK(Points, D, Row(Queries, D, j), K), found[j]) >= (quantised ? 0.98 : 1.0));
        Assert.Contains(found, f => f.Any(n => n.Id >= Trained));
        // As of the snapshot: exactly the answers before the later ids came.
        Assert.Equal(before, set.SearchBatch(Queries, K, asTrained));

        // A later id lies in its nearest centroid's cluster; a trained id in its trained one.
        for (int id = Trained; id < N; id += 101)
        {
            Assert.Equal(NearestByDistance(clusters, Row(Points, D, id)), clusters.Nearest(Row(Points, D, id)));
            Assert.Equal(clusters.Nearest(Row(Points, D, id)), set.ClusterOf(id));
        }
        Assert.Equal(clusters.Assignment[7], set.ClusterOf(7));

        // A removal reorders slots: the snapshot is refused from then on.
        Assert.True(set.Remove(0));
        Assert.Throws<InvalidOperationException>(() => set.SearchBatch(Queries, K, asTrained));
        var other = new ClusteredVectorSet(clusters, probes: 1);
        Assert.Throws<ArgumentException>(() => other.SearchBatch(Queries, K, asTrained));
    }

    [Fact]
    public void Growing_the_ids_one_at_a_time_reallocates_only_when_the_room_doubles()
    {
        var set = new ClusteredVectorSet(Clusters, probes: 4);
        set.GrowIds(N + 1); // room for 2N ids
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (int capacity = N + 2; capacity <= 2 * N; capacity++) set.GrowIds(capacity);
        // Each reallocation would be 2N ids × 8 bytes (slot and cluster) = 320 KB.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "growing within the room reallocated");
        Assert.Equal(2 * N, set.IdCapacity);
    }

    [Fact]
    public void Reserved_ids_leave_the_capacity_as_it_is_and_growing_into_them_reallocates_nothing()
    {
        var set = new ClusteredVectorSet(Clusters, probes: 4);
        set.ReserveIds(3 * N);
        Assert.Equal(N, set.IdCapacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Contains(N));
        var before = GC.GetAllocatedBytesForCurrentThread();
        set.GrowIds(3 * N); // without the reserve: 3N ids × 8 bytes = 480 KB
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "growing into the reserved ids reallocated");
        Assert.Equal(3 * N, set.IdCapacity);
        Assert.False(set.Contains(3 * N - 1));
    }

    private static int NearestByDistance(VectorClusters clusters, float[] point) => Enumerable.Range(0, clusters.Count).MinBy(c =>
    {
        double s = 0;
        for (int t = 0; t < D; t++) s += Math.Pow(point[t] - clusters.Centroids[c * D + t], 2);
        return s;
    });

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusteredVectorSet(Clusters, 0));
        Assert.Equal("quantisationScales", Assert.Throws<ArgumentException>(() => new ClusteredVectorSet(Clusters, 4, [1f, 2f])).ParamName);
        Assert.Throws<ArgumentException>(() => VectorClusters.Train([], D, 4, 1));
        Assert.Throws<ArgumentException>(() => new ClusteredSearchOptions { Probes = 0 }.Validate());
    }

    private static double VectorDot(int id, float[] q)
    {
        double s = 0;
        for (int t = 0; t < D; t++) s += Points[id * D + t] * (double)q[t];
        return s;
    }
}
