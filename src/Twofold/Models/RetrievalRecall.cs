namespace Twofold.Models;

/// <summary>
/// Recall@K of held-out positives under exact scoring of every candidate, written once for both sides (users as queries
/// over items, items as queries over users).
/// </summary>
/// <remarks>
/// For each query with at least one held-out candidate that it had no training positive with, the candidates are
/// ranked by score after removing the query's training positives; ties go to the lower id. The query's recall is the
/// share of those held-out candidates ranked in the top K; the result is the mean over queries.
/// </remarks>
internal static class RetrievalRecall
{
    /// <summary>Fills scores[q * candidates + c] for the queries given (row-major, one row per query).</summary>
    public delegate void Scorer(ReadOnlySpan<int> queries, float[] scores);

    public static double Compute(PairIndex heldOut, PairIndex training, int candidates, int k, Scorer scorer, int chunk = 256)
    {
        var queries = new List<int>();
        for (var q = 0; q < heldOut.SourceCount; q++)
            if (Relevant(heldOut, training, q) > 0) queries.Add(q);
        if (queries.Count == 0) return double.NaN;
        var scores = new float[(long)Math.Min(chunk, queries.Count) * candidates];
        double sum = 0;
        for (var start = 0; start < queries.Count; start += chunk)
        {
            var n = Math.Min(chunk, queries.Count - start);
            var batch = queries.GetRange(start, n).ToArray();
            scorer(batch, scores);
            for (var b = 0; b < n; b++)
                sum += QueryRecall(scores.AsSpan(b * candidates, candidates), heldOut.Targets(batch[b]), training.Targets(batch[b]), k);
        }
        return sum / queries.Count;
    }

    /// <summary>Expected recall@K of a uniformly random ranking, under the same protocol.</summary>
    public static double Random(PairIndex heldOut, PairIndex training, int candidates, int k)
    {
        double sum = 0;
        var n = 0;
        for (var q = 0; q < heldOut.SourceCount; q++)
        {
            if (Relevant(heldOut, training, q) == 0) continue;
            var pool = candidates - training.Targets(q).Length;
            sum += Math.Min(1.0, k / (double)pool);
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    private static int Relevant(PairIndex heldOut, PairIndex training, int q)
    {
        var count = 0;
        foreach (var c in heldOut.Targets(q))
            if (!training.Contains(q, c)) count++;
        return count;
    }

    private static double QueryRecall(ReadOnlySpan<float> scores, ReadOnlySpan<int> heldOut, ReadOnlySpan<int> excluded, int k)
    {
        int relevant = 0, hits = 0;
        foreach (var h in heldOut)
        {
            if (excluded.BinarySearch(h) >= 0) continue;
            relevant++;
            var sh = scores[h];
            var better = 0;
            for (var c = 0; c < scores.Length && better < k; c++)
            {
                var sc = scores[c];
                if ((sc > sh || (sc == sh && c < h)) && excluded.BinarySearch(c) < 0) better++;
            }
            if (better < k) hits++;
        }
        return hits / (double)relevant;
    }
}
