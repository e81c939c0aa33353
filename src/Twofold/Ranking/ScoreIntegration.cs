namespace Twofold.Ranking;

/// <summary>
/// The decision module of DualRec §3.3: integrates the per-task predictions into one ranking score, the user-side
/// f_ui = Σ α_m s^m_ui (eq. 9) and the creator-side g_ui = Σ β_m s^m_ui / θ_u (eq. 10). One weighted sum serves both;
/// the creator side adds the user bias.
/// </summary>
public static class ScoreIntegration
{
    /// <param name="predictions">Row-major, one row per pair, one column per task of <paramref name="tasks"/>.</param>
    public static float[] UserSide(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, ScoreWeights alpha)
    {
        var scores = new float[Rows(predictions, tasks)];
        UserSide(predictions, tasks, alpha, scores);
        return scores;
    }

    /// <summary>f_ui of each row into <paramref name="scores"/> (one value per row), so a caller may reuse its buffer.</summary>
    public static void UserSide(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, ScoreWeights alpha, Span<float> scores) =>
        Weighted(predictions, tasks, alpha, scores);

    /// <param name="users">The user of each row, for θ_u.</param>
    /// <param name="bias">θ_u; null for the versions without it, whose g_ui is Σ β_m s^m_ui alone.</param>
    public static float[] CreatorSide(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, ScoreWeights beta,
        ReadOnlySpan<int> users, UserBias? bias)
    {
        var scores = new float[Rows(predictions, tasks)];
        CreatorSide(predictions, tasks, beta, users, bias, scores);
        return scores;
    }

    /// <summary>g_ui of each row into <paramref name="scores"/> (one value per row), so a caller may reuse its buffer.</summary>
    public static void CreatorSide(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, ScoreWeights beta,
        ReadOnlySpan<int> users, UserBias? bias, Span<float> scores)
    {
        Weighted(predictions, tasks, beta, scores);
        if (bias is null) return;
        if (users.Length != scores.Length)
            throw new ArgumentException($"{users.Length} users were given for {scores.Length} prediction rows.", nameof(users));
        for (var p = 0; p < scores.Length; p++) scores[p] /= bias.Theta(users[p]);
    }

    private static int Rows(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks)
    {
        if (tasks.Count == 0) throw new ArgumentException("At least one task is needed.", nameof(tasks));
        if (predictions.Length % tasks.Count != 0)
            throw new ArgumentException($"{predictions.Length} predictions do not form rows of {tasks.Count} tasks.", nameof(predictions));
        return predictions.Length / tasks.Count;
    }

    private static void Weighted(ReadOnlySpan<float> predictions, IReadOnlyList<FeedbackTask> tasks, ScoreWeights weights, Span<float> scores)
    {
        if (scores.Length != Rows(predictions, tasks))
            throw new ArgumentException($"Expected room for {Rows(predictions, tasks)} scores, actual {scores.Length}.", nameof(scores));
        Span<float> coefficients = tasks.Count <= 32 ? stackalloc float[tasks.Count] : new float[tasks.Count];
        for (var m = 0; m < tasks.Count; m++) coefficients[m] = (float)weights.Of(tasks[m]);
        for (var p = 0; p < scores.Length; p++)
        {
            var row = predictions.Slice(p * tasks.Count, tasks.Count);
            float sum = 0;
            for (var m = 0; m < row.Length; m++) sum += coefficients[m] * row[m];
            scores[p] = sum;
        }
    }
}
