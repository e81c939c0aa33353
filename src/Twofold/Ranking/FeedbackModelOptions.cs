using Twofold.Models;

namespace Twofold.Ranking;

/// <summary>
/// Settings of <see cref="FeedbackModelTrainer"/>. The defaults train the plain multi-task model (DualRec-v1's ranking);
/// <see cref="SampleAugmentation"/> and <see cref="ExtraFeatures"/> are the creator-side changes of DualRec §3.3.1.
/// </summary>
public sealed record FeedbackModelOptions
{
    public MultiTaskArchitecture Architecture { get; init; } = MultiTaskArchitecture.Mmoe;

    /// <summary>Experts of the MMoE (3, as in the MMoE baselines of LabelCraft).</summary>
    public int Experts { get; init; } = 3;

    public int EmbeddingDim { get; init; } = 16;
    public int ExpertHidden { get; init; } = 64;
    public int ExpertOutput { get; init; } = 32;
    public int TowerHidden { get; init; } = 16;

    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 1024;
    public double LearningRate { get; init; } = 0.002;
    public int Seed { get; init; } = 1;

    /// <summary>Torch intra-op threads while training (torch's process-wide setting; training leaves it at this value).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// SA: every training sample is used twice, once with its item id and once with the item id replaced by the
    /// reserved "unknown item" row, so the model learns to predict from the other features alone; at prediction,
    /// items without training impressions use that row.
    /// </summary>
    public bool SampleAugmentation { get; init; }

    /// <summary>
    /// EF: extra item features — the mean embedding of the item's recent interacting users (H^I(i) of the training
    /// period, the scored user left out) and the pooled like/comment/…/watch statistics of its content-similar items.
    /// </summary>
    public bool ExtraFeatures { get; init; }

    /// <summary>EF: how many of the most recent interacting users of an item are pooled.</summary>
    public int RecentUsers { get; init; } = 20;

    /// <summary>EF: how many content-similar items' statistics are pooled.</summary>
    public int SimilarItems { get; init; } = 10;

    /// <summary>EF: impressions' worth of weight the global rate gets in the similar items' pooled rates.</summary>
    public double RateSmoothing { get; init; } = 20;

    /// <summary>Share of training rows whose day-of-week and hour are replaced by "unknown", so predictions without a time are calibrated.</summary>
    public double ContextDropout { get; init; } = 0.1;

    /// <summary>Upper bound of a task's loss weight (weights are the inverse entropy of the task's base rate, see docs/ranking.md).</summary>
    public double MaxTaskWeight { get; init; } = 5;

    /// <summary>Training days (inclusive); null: from the first / up to the last day of the log.</summary>
    public DateOnly? TrainFrom { get; init; }
    public DateOnly? TrainTo { get; init; }

    /// <summary>
    /// When set, at most this many training impressions are used: a seeded sample drawn while the log is read, so only
    /// the sample is held (<see cref="FeedbackSamples.Read(Twofold.Data.EventLog, int, int, DateOnly?, DateOnly?, int?, int)"/>).
    /// </summary>
    public int? MaxSamples { get; init; }

    public void Validate()
    {
        Positive(Experts, nameof(Experts));
        Positive(EmbeddingDim, nameof(EmbeddingDim));
        Positive(ExpertHidden, nameof(ExpertHidden));
        Positive(ExpertOutput, nameof(ExpertOutput));
        Positive(TowerHidden, nameof(TowerHidden));
        Positive(Epochs, nameof(Epochs));
        Positive(BatchSize, nameof(BatchSize));
        Positive(Threads, nameof(Threads));
        Positive(RecentUsers, nameof(RecentUsers));
        Positive(SimilarItems, nameof(SimilarItems));
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"{nameof(LearningRate)} must be a positive number, not {LearningRate}.");
        if (!(RateSmoothing > 0 && double.IsFinite(RateSmoothing))) throw new ArgumentException($"{nameof(RateSmoothing)} must be a positive number, not {RateSmoothing}.");
        if (!(ContextDropout is >= 0 and <= 1)) throw new ArgumentException($"{nameof(ContextDropout)} must be in [0, 1], not {ContextDropout}.");
        if (!(MaxTaskWeight >= 1 && double.IsFinite(MaxTaskWeight))) throw new ArgumentException($"{nameof(MaxTaskWeight)} must be at least 1, not {MaxTaskWeight}.");
        if (Seed < 0) throw new ArgumentException($"{nameof(Seed)} must not be negative, not {Seed}.");
        if (MaxSamples is < 1) throw new ArgumentException($"{nameof(MaxSamples)} must be at least 1, not {MaxSamples}.");
        if (TrainFrom > TrainTo) throw new ArgumentException($"The training period is empty: {TrainFrom:yyyy-MM-dd} is after {TrainTo:yyyy-MM-dd}.");
        if (!Enum.IsDefined(Architecture)) throw new ArgumentException($"Unknown architecture {Architecture}.");
    }

    private static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentException($"{name} must be at least 1, not {value}.");
    }
}
