using System.Globalization;
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

    /// <summary>How activity scores become the predicted-active set (DualRec §4.1: a_u = 1).</summary>
    public ActiveSetRule ActiveSet { get; init; } = ActiveSetRule.Default;

    /// <summary>Enforce Q; without it the dispatcher matches the top L users whatever they already hold (Figure 9's contrast).</summary>
    public bool AvailabilityStore { get; init; } = true;

    /// <summary>λ of the combined recommendation (eq. 14).</summary>
    public double Lambda { get; init; } = 1.0;

    /// <summary>
    /// Whether the feed's boost λ g_ui divides by θ_u when the version uses θ_u (eq. 10 inside eq. 14, as the paper
    /// writes it); false boosts by the plain β-weighted sum.
    /// </summary>
    public bool BoostWithUserBias { get; init; } = true;

    /// <summary>Base: new items (uploaded within <see cref="NewItemDays"/>) retrieved for each user request.</summary>
    public int NewItemQuota { get; init; } = 20;

    public int NewItemDays { get; init; } = 1;

    /// <summary>Base: added to f_ui of new items, so they win ties with old ones.</summary>
    public double NewItemBoost { get; init; } = 0.05;

    /// <summary>The creator-side settings of the DualRec version; null for Base.</summary>
    public DispatchOptions? Dispatch => DualRecVersion is { } v
        ? DispatchOptions.Version(v) with { Capacity = AvailabilityStore ? DispatchOptions.Version(v).Capacity : int.MaxValue }
        : null;

    private const string Known = "base, dualrec, dualrec-v1 … dualrec-v5, dualrec-no-activity, dualrec-no-store, dualrec-v1-no-activity";

    /// <summary>
    /// The named strategies: base, dualrec-v1 … dualrec-v5, dualrec (= v5), dualrec-no-activity, dualrec-no-store,
    /// dualrec-v1-no-activity. A name may carry settings after a colon, <c>dualrec:lambda=0.25,active=top0.3,feed_bias=false</c>
    /// (λ; the active-set rule, a probability threshold or <c>top</c> a fraction; whether the feed boost divides by θ_u),
    /// and a tag after <c>#</c> to run the same strategy in two arms (<c>base#2</c>, an A/A comparison).
    /// </summary>
    public static StrategyConfig Named(string name)
    {
        var hash = name.IndexOf('#');
        if (hash >= 0)
        {
            if (hash == name.Length - 1) throw new ArgumentException($"Strategy '{name}': the tag after '#' is empty.");
            return Named(name[..hash]) with { Name = name };
        }
        var colon = name.IndexOf(':');
        if (colon >= 0) return WithSettings(Named(name[..colon]), name[(colon + 1)..]) with { Name = name };
        return name switch
        {
            "base" => new StrategyConfig { Name = name },
            "dualrec-v1" or "dualrec-v2" or "dualrec-v3" or "dualrec-v4" or "dualrec-v5" =>
                new StrategyConfig { Name = name, DualRecVersion = name[^1] - '0', NewItemQuota = 0, NewItemBoost = 0 },
            "dualrec" => Named("dualrec-v5") with { Name = name },
            "dualrec-no-activity" => Named("dualrec-v5") with { Name = name, ActivityPrediction = false },
            "dualrec-v1-no-activity" => Named("dualrec-v1") with { Name = name, ActivityPrediction = false },
            "dualrec-no-store" => Named("dualrec-v5") with { Name = name, AvailabilityStore = false, ActivityPrediction = false },
            _ => throw new ArgumentException($"Unknown strategy '{name}'; known: {Known}."),
        };
    }

    private static StrategyConfig WithSettings(StrategyConfig strategy, string settings)
    {
        foreach (var setting in settings.Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = setting.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"Strategy setting '{setting}' is not key=value (known keys: lambda, active, feed_bias).");
            var (key, value) = (setting[..eq], setting[(eq + 1)..]);
            strategy = key switch
            {
                "lambda" => strategy with { Lambda = Number(key, value) },
                "active" => strategy with
                {
                    ActiveSet = value.StartsWith("top", StringComparison.Ordinal) ? ActiveSetRule.Top(Number(key, value[3..])) : ActiveSetRule.AtLeast(Number(key, value)),
                },
                "feed_bias" => strategy with
                {
                    BoostWithUserBias = bool.TryParse(value, out var b) ? b : throw new ArgumentException($"Strategy setting feed_bias must be true or false, not '{value}'."),
                },
                _ => throw new ArgumentException($"Unknown strategy setting '{key}'; known: lambda, active, feed_bias."),
            };
        }
        if (strategy.DualRecVersion is null && (strategy.Lambda != 1.0 || strategy.ActiveSet != ActiveSetRule.Default || !strategy.BoostWithUserBias))
            throw new ArgumentException($"Strategy '{strategy.Name}': lambda, active and feed_bias apply to DualRec strategies only.");
        if (!double.IsFinite(strategy.Lambda) || strategy.Lambda < 0) throw new ArgumentException($"Strategy setting lambda must be a non-negative number, not {strategy.Lambda}.");
        return strategy;
    }

    private static double Number(string key, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new ArgumentException($"Strategy setting {key} must be a number, not '{value}'.");
}
