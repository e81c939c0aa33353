namespace Twofold.Tests.World;

/// <summary>Small statistics for the world tests: Gini, AUC, correlation, a tiny logistic regression.</summary>
internal static class Stats
{
    public static double Gini(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        var n = sorted.Length;
        var total = sorted.Sum();
        if (n == 0 || total == 0) return 0;
        var weighted = 0.0;
        for (var i = 0; i < n; i++) weighted += (i + 1) * sorted[i];
        return 2 * weighted / (n * total) - (n + 1.0) / n;
    }

    /// <summary>Area under the ROC curve by the rank-sum formula (ties get average ranks).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[scores.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            for (var k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        double positives = labels.Count(l => l), negatives = labels.Count - positives, rankSum = 0;
        for (var i = 0; i < labels.Count; i++) if (labels[i]) rankSum += ranks[i];
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Logistic regression by full-batch gradient descent (features should be in [0, 1]); returns weights, bias last.</summary>
    public static double[] FitLogistic(IReadOnlyList<double[]> x, IReadOnlyList<bool> y, int epochs = 300, double rate = 1.0)
    {
        var d = x[0].Length;
        var w = new double[d + 1];
        var gradient = new double[d + 1];
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            Array.Clear(gradient);
            for (var i = 0; i < x.Count; i++)
            {
                var error = Predict(w, x[i]) - (y[i] ? 1 : 0);
                for (var j = 0; j < d; j++) gradient[j] += error * x[i][j];
                gradient[d] += error;
            }
            for (var j = 0; j <= d; j++) w[j] -= rate * gradient[j] / x.Count;
        }
        return w;
    }

    public static double Predict(double[] w, double[] x)
    {
        var z = w[^1];
        for (var j = 0; j < x.Length; j++) z += w[j] * x[j];
        return 1 / (1 + Math.Exp(-z));
    }
}
