namespace Twofold.CreatorSide;

/// <summary>Ranking helpers shared by the active-set rule and the evaluation.</summary>
internal static class ActivityRanking
{
    /// <summary>The indexes of the <paramref name="k"/> highest scores; ties go to the lower index.</summary>
    public static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        k = Math.Clamp(k, 0, scores.Length);
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        var keys = new float[scores.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = -scores[i];
        // A stable order by descending score: sort (−score, index) pairs.
        Array.Sort(keys, order, Comparer<float>.Default);
        StabiliseTies(keys, order);
        return order[..k];
    }

    private static void StabiliseTies(float[] keys, int[] order)
    {
        var start = 0;
        for (var i = 1; i <= keys.Length; i++)
        {
            if (i < keys.Length && keys[i] == keys[start]) continue;
            if (i - start > 1) Array.Sort(order, start, i - start);
            start = i;
        }
    }

    /// <summary>Area under the ROC curve of <paramref name="scores"/> against <paramref name="labels"/>; tied scores count one half.</summary>
    public static double Auc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var n = scores.Length;
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        long positives = 0;
        foreach (var l in labels) if (l) positives++;
        var negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        // Sum of the positives' mid-ranks (Mann–Whitney U).
        double rankSum = 0;
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start]) end++;
            var midRank = (start + end + 1) / 2.0; // ranks are 1-based: (start+1 + end) / 2
            for (var i = start; i < end; i++) if (labels[order[i]]) rankSum += midRank;
            start = end;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
