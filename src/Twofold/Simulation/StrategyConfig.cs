using Twofold.CreatorSide;

namespace Twofold.Simulation;

/// <summary>
/// A platform strategy an experiment arm runs, as a named configuration: <c>base</c> (a user-side recommender with
/// an extra new-item retrieval and a new-item score boost, DualRec §5.1.3) or <c>dualrec-v1</c> … <c>dualrec-v5</c>
/// (§5.1.2), with switches for the ablations of §5.3 (no activity prediction, no availability store).
/// </summary>
public sealed record StrategyConfig
{
    public string Name { get; init; } = "base";

    /// <summary>The DualRec version of the creator side; null for the user-side-only Base.</summary>
    public int? DualRecVersion { get; init; }

    /// <summary>Open each day's available set with the users the activity model predicts; all of the arm's users otherwise.</summary>
    public bool ActivityPrediction { get; init; } = true;

    /// <summary>Enforce Q; without it the dispatcher matches the top L users whatever they already hold (Figure 9's contrast).</summary>
    public bool AvailabilityStore { get; init; } = true;

    /// <summary>λ of the combined recommendation (eq. 14).</summary>
    public double Lambda { get; init; } = 1.0;

    /// <summary>Base: new items (uploaded within <see cref="NewItemDays"/>) retrieved for each user request.</summary>
    public int NewItemQuota { get; init; } = 20;

    public int NewItemDays { get; init; } = 1;

    /// <summary>Base: added to f_ui of new items, so they win ties with old ones.</summary>
    public double NewItemBoost { get; init; } = 0.05;

    /// <summary>The creator-side settings of the DualRec version; null for Base.</summary>
    public DispatchOptions? Dispatch => DualRecVersion is { } v
        ? DispatchOptions.Version(v) with { Capacity = AvailabilityStore ? DispatchOptions.Version(v).Capacity : int.MaxValue }
        : null;

    /// <summary>The named strategies: base, dualrec-v1 … dualrec-v5, dualrec-no-activity, dualrec-no-store.</summary>
    public static StrategyConfig Named(string name) => name switch
    {
        "base" => new StrategyConfig { Name = name },
        "dualrec-v1" or "dualrec-v2" or "dualrec-v3" or "dualrec-v4" or "dualrec-v5" =>
            new StrategyConfig { Name = name, DualRecVersion = name[^1] - '0', NewItemQuota = 0, NewItemBoost = 0 },
        "dualrec" => Named("dualrec-v5") with { Name = name },
        "dualrec-no-activity" => Named("dualrec-v5") with { Name = name, ActivityPrediction = false },
        "dualrec-no-store" => Named("dualrec-v5") with { Name = name, AvailabilityStore = false, ActivityPrediction = false },
        _ => throw new ArgumentException(
            $"Unknown strategy '{name}'; known: base, dualrec, dualrec-v1 … dualrec-v5, dualrec-no-activity, dualrec-no-store."),
    };
}
