namespace Twofold.Evaluation;

/// <summary>Accuracy of one ranked list against a set of relevant ids: recall@K, hit@K and NDCG@K (binary gains).</summary>
public readonly record struct TopKMetrics(double Recall, double Hit, double Ndcg)
{
    /// <param name="ranked">The list as ranked, best first; only its first <paramref name="k"/> entries count.</param>
    /// <param name="relevant">The held-out relevant ids (must not be empty).</param>
    public static TopKMetrics Of(IReadOnlyList<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "K must be at least 1.");
        if (relevant.Count == 0) throw new ArgumentException("There must be at least one relevant id.", nameof(relevant));
        var hits = 0;
        double dcg = 0;
        var seen = new HashSet<int>();
        for (var rank = 0; rank < Math.Min(k, ranked.Count); rank++)
        {
            if (!seen.Add(ranked[rank]) || !relevant.Contains(ranked[rank])) continue;
            hits++;
            dcg += 1 / Math.Log2(rank + 2);
        }
        double ideal = 0;
        for (var rank = 0; rank < Math.Min(k, relevant.Count); rank++) ideal += 1 / Math.Log2(rank + 2);
        return new TopKMetrics(hits / (double)relevant.Count, hits > 0 ? 1 : 0, dcg / ideal);
    }

    /// <summary>The mean of several lists' metrics (zero when there are none).</summary>
    public static TopKMetrics Mean(IReadOnlyCollection<TopKMetrics> all) =>
        all.Count == 0 ? default : new TopKMetrics(all.Average(m => m.Recall), all.Average(m => m.Hit), all.Average(m => m.Ndcg));
}
