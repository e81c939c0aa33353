using Twofold.CreatorSide;
using Twofold.Models;
using Twofold.Ranking;
using Twofold.Similarity;

namespace Twofold.Simulation;

/// <summary>How a simulated platform trains and serves (the same components a production deployment uses).</summary>
public sealed record PlatformOptions
{
    /// <summary>Models, similarities and indexes are retrained from the whole log every this many days; the graph and θ_u every night.</summary>
    public int RetrainEveryDays { get; init; } = 7;

    /// <summary>Candidates asked of each user-side source per feed.</summary>
    public int FeedQuotaPerSource { get; init; } = 100;

    /// <summary>Items older than this many days are not recommended.</summary>
    public int CandidateWindowDays { get; init; } = 30;

    public CollaborativeOptions Similarity { get; init; } = new() { TopK = 30 };
    public TwoTowerOptions TwoTower { get; init; } = new() { Epochs = 4, Patience = 1 };
    public FeedbackModelOptions Ranker { get; init; } = new() { Epochs = 2, MaxSamples = 400_000 };
    public ActivityOptions Activity { get; init; } = new() { Iterations = 50 };

    public void Validate()
    {
        if (RetrainEveryDays < 1) throw new ArgumentException($"PlatformOptions.RetrainEveryDays must be at least 1, not {RetrainEveryDays}.");
        if (FeedQuotaPerSource < 1) throw new ArgumentException($"PlatformOptions.FeedQuotaPerSource must be at least 1, not {FeedQuotaPerSource}.");
        if (CandidateWindowDays < 1) throw new ArgumentException($"PlatformOptions.CandidateWindowDays must be at least 1, not {CandidateWindowDays}.");
        Similarity.Validate();
    }
}
