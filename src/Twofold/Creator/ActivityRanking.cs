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
}
