using Twofold.Pipeline;

namespace Twofold.Simulation;

/// <summary>How a simulated platform trains and serves (the same components a production deployment uses).</summary>
public sealed record PlatformOptions
{
    /// <summary>The bundle is retrained from the whole log every this many days; the graph and θ_u every night.</summary>
    public int RetrainEveryDays { get; init; } = 7;

    /// <summary>Candidates asked of each user-side source per feed.</summary>
    public int FeedQuotaPerSource { get; init; } = CreatorSide.CombinedOptions.DefaultQuotaPerSource;

    /// <summary>Items older than this many days are not recommended.</summary>
    public int CandidateWindowDays { get; init; } = 30;

    /// <summary>
    /// Figure 8's probe: on every visit, the user-side two-tower retrieval restricted to today's new items is asked for
    /// this many items, and the new items it returns for anyone are counted (0, the default, turns the probe off).
    /// </summary>
    public int CoverageProbeQuota { get; init; }

    /// <summary>What each retraining builds (which rankers and whether the activity model follow from the strategy).</summary>
    public BundleOptions Bundle { get; init; } = new();

    public void Validate()
    {
        if (RetrainEveryDays < 1) throw new ArgumentException($"PlatformOptions.RetrainEveryDays must be at least 1, not {RetrainEveryDays}.");
        if (FeedQuotaPerSource < 1) throw new ArgumentException($"PlatformOptions.FeedQuotaPerSource must be at least 1, not {FeedQuotaPerSource}.");
        if (CandidateWindowDays < 1) throw new ArgumentException($"PlatformOptions.CandidateWindowDays must be at least 1, not {CandidateWindowDays}.");
        if (CoverageProbeQuota < 0) throw new ArgumentException($"PlatformOptions.CoverageProbeQuota must not be negative, not {CoverageProbeQuota}.");
        Bundle.Validate();
    }
}
