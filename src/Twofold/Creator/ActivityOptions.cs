namespace Twofold.CreatorSide;

/// <summary>
/// Settings of <see cref="ActivityPredictorTrainer"/>: which examples to train on and the gradient-boosted trees
/// (ML.NET LightGBM). Defaults are LightGBM's usual ones, sized so a few thousand users train in about a second.
/// </summary>
public sealed record ActivityOptions
{
    /// <summary>The seed of example sampling and of LightGBM.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Boosting rounds (trees).</summary>
    public int Iterations { get; init; } = 100;

    /// <summary>Leaves per tree.</summary>
    public int Leaves { get; init; } = 31;

    /// <summary>Shrinkage of each tree.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Fewest examples in a leaf.</summary>
    public int MinExamplesPerLeaf { get; init; } = 20;

    /// <summary>LightGBM threads. 1 (the default) makes training bit-for-bit repeatable.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The earliest target day trained on, as days of history before it (earlier days have too little history).</summary>
    public int MinHistoryDays { get; init; } = 7;

    /// <summary>Most target days trained on: the latest ones before the end of the training range.</summary>
    public int TrainingDays { get; init; } = 28;

    /// <summary>Most (user, day) examples; above it users are sampled per day, deterministically from <see cref="Seed"/>.</summary>
    public int MaxExamples { get; init; } = 2_000_000;

    /// <summary>Whether the 30 individual visit bits (d−1 .. d−30) are features besides the window summaries.</summary>
    public bool IncludeDayBits { get; init; } = true;

    /// <summary>Checks every field; throws an <see cref="ArgumentException"/> naming the first bad one.</summary>
    public ActivityOptions Validate()
    {
        Check(Iterations is >= 1 and <= 10_000, "iterations", Iterations, "between 1 and 10000");
        Check(Leaves is >= 2 and <= 4096, "leaves", Leaves, "between 2 and 4096");
        Check(double.IsFinite(LearningRate) && LearningRate > 0 && LearningRate <= 1, "learning_rate", LearningRate, "in (0, 1]");
        Check(MinExamplesPerLeaf >= 1, "min_examples_per_leaf", MinExamplesPerLeaf, "at least 1");
        Check(Threads is >= 1 and <= 256, "threads", Threads, "between 1 and 256");
        Check(MinHistoryDays is >= 1 and <= 3650, "min_history_days", MinHistoryDays, "between 1 and 3650");
        Check(TrainingDays is >= 1 and <= 3650, "training_days", TrainingDays, "between 1 and 3650");
        Check(MaxExamples >= 100, "max_examples", MaxExamples, "at least 100");
        return this;
    }

    private static void Check(bool ok, string field, object value, string rule)
    {
        if (!ok) throw new ArgumentException($"activity option {field} must be {rule} (got {value}).");
    }
}
