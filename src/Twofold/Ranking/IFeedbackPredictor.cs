namespace Twofold.Ranking;

/// <summary>
/// A prediction model of DualRec §3.3: for (user, item) pairs, one score s^m_ui in [0, 1] per task.
/// The user side and the creator side each train one (the creator side with its own options).
/// </summary>
public interface IFeedbackPredictor
{
    /// <summary>The tasks predicted, in the column order of <see cref="Predict(ReadOnlySpan{int}, ReadOnlySpan{int})"/>'s output.</summary>
    IReadOnlyList<FeedbackTask> Tasks { get; }

    /// <summary>The items the model can score: ids in [0, Items).</summary>
    int Items { get; }

    /// <summary>
    /// Predictions for the pairs (users[p], items[p]) as a row-major matrix: row p holds the pair's score for each of
    /// <see cref="Tasks"/>. Implementations validate ids and lengths before any native call.
    /// </summary>
    float[] Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items);

    /// <summary>
    /// <see cref="Predict(ReadOnlySpan{int}, ReadOnlySpan{int})"/> written into <paramref name="predictions"/>
    /// (pairs × <see cref="Tasks"/> values), so that a caller dispatching many items can reuse one buffer.
    /// </summary>
    /// <exception cref="ArgumentException">The span does not hold exactly pairs × tasks values.</exception>
    void Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, Span<float> predictions)
    {
        var values = Predict(users, items);
        if (predictions.Length != values.Length)
            throw new ArgumentException($"Expected room for {values.Length} predictions, actual {predictions.Length}.", nameof(predictions));
        values.CopyTo(predictions);
    }
}
