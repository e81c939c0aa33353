using Twofold.Vectors;

namespace Twofold.Tests.Vectors;

public class ClusterVisitsTests
{
    [Fact]
    public void Clusters_are_visited_nearest_first_across_queries_each_with_the_queries_that_probe_it()
    {
        // Query 0 probes 5 then 2, query 1 probes 2 then 7 then 5, query 2 probes 5 only.
        int[][] probed = [[5, 2], [2, 7, 5], [5]];
        using var visits = new ClusterVisits(probed, clusterCount: 8);

        // Every query's nearest first (5 from query 0, 2 from query 1), then their second nearest (7), and so on.
        Assert.Equal(3, visits.Count);
        Assert.Equal([5, 2, 7], Enumerable.Range(0, visits.Count).Select(visits.Cluster));
        // A cluster's queries in the order met: by the rank at which they probe it, then by query.
        Assert.Equal([0, 2, 1], visits.Queries(0).ToArray());
        Assert.Equal([1, 0], visits.Queries(1).ToArray());
        Assert.Equal([1], visits.Queries(2).ToArray());
    }

    [Fact]
    public void No_queries_make_no_visits()
    {
        using var visits = new ClusterVisits([], clusterCount: 4);
        Assert.Equal(0, visits.Count);
        using var empty = new ClusterVisits([[], []], clusterCount: 4);
        Assert.Equal(0, empty.Count);
    }
}
