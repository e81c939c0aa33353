using Twofold.Vectors;
using static Twofold.Tests.Vectors.VectorTestSupport;

namespace Twofold.Tests.Vectors;

public class QuantisedSearchTests
{
    [Theory]
    [InlineData(64, true)]
    [InlineData(64, false)]
    [InlineData(30, false)] // not a multiple of four: the last group is padded
    public void The_quantised_first_pass_finds_nearly_every_exact_result_and_returns_exact_scores(int d, bool normalised)
    {
        const int n = 12000, k = 200;
        var rows = SyntheticEmbeddings.Clustered(n, d, seed: 51, normalised: normalised);
        var queries = SyntheticEmbeddings.Clustered(8, d, seed: 52, normalised: normalised);
        var available = new IdFilter(n, allSet: true);
        var set = new CompactVectorSet(d, n, CompactVectorSet.QuantisationScales(rows, d));
        for (int id = 0; id < n; id++) set.Add(id, Row(rows, d, id));
        Assert.Equal(Avx512Available, set.IsQuantised);
        var random = new Random(53);
        foreach (int target in new[] { n, n / 3, n / 20 })
        {
            while (set.Count > target)
            {
                int id = random.Next(n);
                Assert.Equal(available.Clear(id), set.Remove(id));
            }
            var batch = set.SearchBatch(queries, k);
            var recalls = new List<double>();
            for (int j = 0; j < queries.Length / d; j++)
            {
                var q = Row(queries, d, j);
                var expected = NaiveTopK(rows, d, q, k, available.Contains);
                var found = set.Search(q, k);
                Assert.Equal(found, batch[j]);
                Assert.Equal(Math.Min(k, set.Count), found.Length);
                Assert.All(found, f => Assert.True(available.Contains(f.Id)));
                // Exact scores of the rows returned, best first (ties by id), whatever the first pass found.
                foreach (var f in found) Assert.Equal(Dot(rows, d, f.Id, q), f.Score, 1e-4);
                Assert.Equal(found.OrderByDescending(f => f.Score).ThenBy(f => f.Id), found);
                recalls.Add(Recall(expected, found));
            }
            Assert.True(recalls.Average() >= 0.99, $"recall@{k} {recalls.Average():F4} with {set.Count} rows");
        }
    }

    [Fact]
    public void Scales_that_are_not_positive_and_finite_are_refused()
    {
        Assert.Equal("quantisationScales", Assert.Throws<ArgumentException>(() => new CompactVectorSet(4, 10, [1, 1, 0, 1])).ParamName);
        Assert.Equal("quantisationScales", Assert.Throws<ArgumentException>(() => new CompactVectorSet(4, 10, [1, 1, 1])).ParamName);
        Assert.Equal("quantisationScales", Assert.Throws<ArgumentException>(() => new CompactVectorSet(4, 10, [1, float.NaN, 1, 1])).ParamName);
    }

    private static bool Avx512Available => System.Runtime.Intrinsics.X86.Avx512BW.IsSupported;

    private static double Dot(float[] rows, int d, int id, float[] q)
    {
        double sum = 0;
        for (int t = 0; t < d; t++) sum += rows[id * d + t] * (double)q[t];
        return sum;
    }
}
