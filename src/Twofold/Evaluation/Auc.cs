namespace Twofold.Evaluation;

/// <summary>
/// The exact area under the ROC curve of scores against binary labels: the probability that a random positive scores
/// above a random negative, ties counting one half (the Mann–Whitney U statistic over n⁺·n⁻). O(n log n) by sorting;
/// tied scores share their average rank.
/// </summary>
public static class Auc
{
    /// <summary>The AUC against boolean labels.</summary>
    public static double Of(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var values = new float[labels.Length];
        for (var k = 0; k < values.Length; k++) values[k] = labels[k] ? 1f : 0f;
        return Of(scores, values);
    }

    /// <param name="scores">One score per example (finite).</param>
    /// <param name="labels">One label per example: positive when &gt; 0.5 (so 0/1 labels and fractions both work).</param>
    /// <returns>The AUC in [0, 1], or <see cref="double.NaN"/> when there are no positives or no negatives.</returns>
    public static double Of(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"Expected one label per score ({scores.Length}), actual {labels.Length}.", nameof(labels));
        var order = new int[scores.Length];
        var keys = new float[scores.Length];
        for (var k = 0; k < order.Length; k++)
        {
            if (!float.IsFinite(scores[k])) throw new ArgumentException($"Scores must be finite, actual scores[{k}] = {scores[k]}.", nameof(scores));
            order[k] = k;
            keys[k] = scores[k];
        }
        Array.Sort(keys, order);

        // Sum of the (1-based, tie-averaged) ranks of the positives.
        double positiveRankSum = 0;
        long positives = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && keys[end] == keys[start]) end++;
            var averageRank = (start + 1 + end) / 2.0; // ranks start+1 .. end
            for (var k = start; k < end; k++)
                if (labels[order[k]] > 0.5f) { positiveRankSum += averageRank; positives++; }
            start = end;
        }
        long negatives = order.Length - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
