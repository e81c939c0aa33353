using Twofold.Ranking;
using Twofold.Vectors;

namespace Twofold.CreatorSide;

/// <summary>
/// Settings of the creator-side recommender (Algorithm 1). The DualRec versions of §5.1.2 are presets of these
/// switches on one pipeline, so each step's gain can be measured: <see cref="Version"/>.
/// </summary>
public sealed record DispatchOptions
{
    /// <summary>L: users matched to each new item.</summary>
    public int Limit { get; init; } = 200;

    /// <summary>Q: items a user can be matched with in a day.</summary>
    public int Capacity { get; init; } = 10;

    /// <summary>Candidates asked of each retrieval source before ranking.</summary>
    public int QuotaPerSource { get; init; } = 400;

    public bool UseTwoTower { get; init; } = true;

    /// <summary>
    /// When the two-tower source searches the available users through k-means clusters (an inverted file, probing the
    /// clusters nearest the item) rather than by the exact scan of them all; <see cref="ClusteredSearchOptions.Never"/>
    /// keeps the exact scan. docs/ann.md, "The clustered available set", has the recall behind the default.
    /// </summary>
    public ClusteredSearchOptions UserSearch { get; init; } = new();

    /// <summary>i2i2u through content similarity (DualRec-v3).</summary>
    public bool UseI2I2U { get; init; } = true;

    /// <summary>i2u2u through user similarity (DualRec-v4).</summary>
    public bool UseI2U2U { get; init; } = true;

    /// <summary>Divide the integrated score by the user bias θ_u (DualRec-v5); plain Σ β s otherwise.</summary>
    public bool UseUserBias { get; init; } = true;

    /// <summary>Creator-side prediction model with sample augmentation and extra item features (DualRec-v2).</summary>
    public bool CreatorSidePredictionOptions { get; init; } = true;

    public ScoreWeights Beta { get; init; } = ScoreWeights.CreatorSideDefault;

    /// <summary>DualRec-v1 … v5 of §5.1.2: each adds one step to the previous.</summary>
    public static DispatchOptions Version(int version) => version switch
    {
        1 => new() { UseI2I2U = false, UseI2U2U = false, UseUserBias = false, CreatorSidePredictionOptions = false },
        2 => new() { UseI2I2U = false, UseI2U2U = false, UseUserBias = false },
        3 => new() { UseI2U2U = false, UseUserBias = false },
        4 => new() { UseUserBias = false },
        5 => new(),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "DualRec versions are 1 to 5."),
    };

    public void Validate()
    {
        if (Limit < 1) throw new ArgumentException($"DispatchOptions.Limit (L) must be at least 1, not {Limit}.");
        if (Capacity < 1) throw new ArgumentException($"DispatchOptions.Capacity (Q) must be at least 1, not {Capacity}.");
        if (QuotaPerSource < 1) throw new ArgumentException($"DispatchOptions.QuotaPerSource must be at least 1, not {QuotaPerSource}.");
        UserSearch.Validate();
        Beta.Validate();
    }
}
