using Twofold.Vectors;

namespace Twofold.Tests.Vectors;

/// <summary>Naive references and assertions shared by the vector tests.</summary>
internal static class VectorTestSupport
{
    /// <summary>Top-k by a double-precision dot product and a full sort (score descending, id ascending).</summary>
    public static (int Id, double Score)[] NaiveTopK(float[] rows, int dimension, ReadOnlySpan<float> query, int k, Func<int, bool>? admit = null)
    {
        int n = rows.Length / dimension;
        var all = new List<(int Id, double Score)>(n);
        for (int i = 0; i < n; i++)
        {
            if (admit is not null && !admit(i)) continue;
            double s = 0;
            for (int t = 0; t < dimension; t++) s += (double)rows[i * dimension + t] * query[t];
            all.Add((i, s));
        }
        all.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
        return all.Take(k).ToArray();
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> is the exact top-k: same length, sorted (score desc, id asc), scores
    /// equal to the reference up to float rounding, and every returned id belongs (its exact score reaches the k-th).
    /// </summary>
    public static void AssertExactTopK((int Id, double Score)[] expected, Neighbor[] actual, float[] rows, int dimension, ReadOnlySpan<float> query, double eps = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 1; i < actual.Length; i++)
            Assert.True(Neighbor.RanksBefore(actual[i - 1].Score, actual[i - 1].Id, actual[i].Score, actual[i].Id), $"Results not ordered at {i}.");
        Assert.Equal(actual.Length, actual.Select(a => a.Id).Distinct().Count());
        if (expected.Length == 0) return;
        double kth = expected[^1].Score;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i].Score - expected[i].Score) <= eps, $"Score at rank {i}: {actual[i].Score} vs {expected[i].Score}.");
            double s = 0;
            for (int t = 0; t < dimension; t++) s += (double)rows[actual[i].Id * dimension + t] * query[t];
            Assert.True(s >= kth - eps, $"Id {actual[i].Id} (score {s}) is below the k-th score {kth}.");
            Assert.True(Math.Abs(s - actual[i].Score) <= eps);
        }
    }

    /// <summary>Fraction of the reference ids present in the result.</summary>
    public static double Recall((int Id, double Score)[] expected, Neighbor[] actual)
    {
        if (expected.Length == 0) return 1;
        var set = new HashSet<int>(actual.Select(a => a.Id));
        return expected.Count(e => set.Contains(e.Id)) / (double)expected.Length;
    }

    public static float[] Row(float[] rows, int dimension, int i) => rows.AsSpan(i * dimension, dimension).ToArray();

    /// <summary>A filter admitting about <paramref name="fraction"/> of <paramref name="n"/> ids, chosen with a seed.</summary>
    public static IdFilter RandomFilter(int n, double fraction, int seed)
    {
        var filter = new IdFilter(n);
        var random = new Random(seed);
        for (int i = 0; i < n; i++) if (random.NextDouble() < fraction) filter.Set(i);
        return filter;
    }
}
