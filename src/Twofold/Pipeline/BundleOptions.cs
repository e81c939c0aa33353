using Twofold.CreatorSide;
using Twofold.Graph;
using Twofold.Models;
using Twofold.Ranking;
using Twofold.Similarity;

namespace Twofold.Pipeline;

/// <summary>What <see cref="ModelBundle.Train"/> builds and how.</summary>
public sealed record BundleOptions
{
    public GraphOptions Graph { get; init; } = GraphOptions.Default;
    public CollaborativeOptions Similarity { get; init; } = new() { TopK = 30 };
    public TwoTowerOptions TwoTower { get; init; } = new() { Epochs = 4, Patience = 1 };

    /// <summary>The user-side ranker.</summary>
    public FeedbackModelOptions Ranker { get; init; } = new() { Epochs = 2, MaxSamples = 400_000 };

    /// <summary>
    /// Train a separate creator-side ranker with sample augmentation and extra item features (DualRec §3.3.1,
    /// version 2 on); otherwise the creator side uses the user-side ranker.
    /// </summary>
    public bool CreatorSideRanker { get; init; } = true;

    public bool TrainActivity { get; init; } = true;
    public ActivityOptions Activity { get; init; } = new() { Iterations = 50 };

    /// <summary>Impressions' worth of weight the population rate gets in θ_u.</summary>
    public double BiasSmoothing { get; init; } = 50;

    public BundleOptions Validate()
    {
        Graph.Validate();
        Similarity.Validate();
        TwoTower.Validate();
        Ranker.Validate();
        Activity.Validate();
        if (BiasSmoothing <= 0) throw new ArgumentException($"bias_smoothing must be positive, not {BiasSmoothing}.");
        return this;
    }
}
