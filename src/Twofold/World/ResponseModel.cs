using System.Numerics.Tensors;
using Twofold.Domain;

namespace Twofold.World;

/// <summary>The expected response of a user to one impression: every quantity is an unconditional expectation per impression.</summary>
/// <param name="Affinity">taste_u · latent_i, in [−1, 1].</param>
/// <param name="CompletionGivenClick">Expected fraction of the video watched, given a click.</param>
/// <param name="WatchMs">Expected watch time (0 without a click).</param>
public readonly record struct ExpectedResponse(
    double Affinity,
    double Click,
    double CompletionGivenClick,
    double WatchMs,
    double EffectiveView,
    double Like,
    double Comment,
    double Follow,
    double Share,
    double ProfileVisit)
{
    /// <summary>The expectation of one feedback kind.</summary>
    public double Of(Feedback kind) => kind switch
    {
        Feedback.Click => Click,
        Feedback.Like => Like,
        Feedback.Comment => Comment,
        Feedback.Follow => Follow,
        Feedback.Share => Share,
        Feedback.ProfileVisit => ProfileVisit,
        Feedback.EffectiveView => EffectiveView,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "One feedback kind is expected."),
    };
}

/// <summary>
/// How a user responds to an impression, with a known expectation for every response (so metrics can be computed
/// against the oracle) and a sampler that draws the realised response.
/// </summary>
/// <remarks>
/// Affinity a = taste_u · latent_i. Click: P = σ(β₀ + β_a a + β_q q_i + b_u). Completion given a click:
/// r = σ(γ₀ + γ_a a + γ_q q_i − γ_d ln(duration/ref)), realised as c = U^((1−r)/r) with U uniform, so E[c] = r
/// exactly and P(c ≥ t) = 1 − t^(r/(1−r)). Watch = c · duration: completion falls with duration while expected watch
/// r·duration still grows (γ_d &lt; 1) — the duration bias LabelCraft corrects for. Effective view: a click watched
/// at least min(T_eff, f·duration). Explicit feedback m given a click: θ_u,m · exp(λ_a (a − ½) + λ_q q_i), capped at
/// 0.95, independent across kinds: rare events whose rate is the user's propensity θ_u (DualRec §3.3).
/// </remarks>
public sealed class ResponseModel
{
    private const double MaxExplicit = 0.95;
    private readonly ResponseConfig _c;
    private readonly UserPopulation _users;
    private readonly ItemCatalogue _items;

    public ResponseModel(ResponseConfig config, UserPopulation users, ItemCatalogue items)
    {
        _c = config;
        _users = users;
        _items = items;
    }

    public double Affinity(int user, int item) => TensorPrimitives.Dot(_users.TasteOf(user), _items.LatentOf(item));

    public ExpectedResponse Expect(int user, int item)
    {
        var p = Parameters(user, item);
        var k = (1 - p.Completion) / p.Completion;
        var effective = p.Click * TailProbability(p.EffectiveThreshold, k);
        return new ExpectedResponse(p.Affinity, p.Click, p.Completion, p.Click * p.Completion * p.DurationMs, effective,
            p.Click * Explicit(user, UserPopulation.Like, p), p.Click * Explicit(user, UserPopulation.Comment, p),
            p.Click * Explicit(user, UserPopulation.Follow, p), p.Click * Explicit(user, UserPopulation.Share, p),
            p.Click * Explicit(user, UserPopulation.ProfileVisit, p));
    }

    /// <summary>Draws the realised response: the feedback flags and the watch time in ms.</summary>
    public Feedback Sample(int user, int item, ref WorldRandom rng, out int watchMs)
    {
        var p = Parameters(user, item);
        watchMs = 0;
        if (rng.NextDouble() >= p.Click) return Feedback.None;
        var feedback = Feedback.Click;
        var k = (1 - p.Completion) / p.Completion;
        var completion = k < 1e-12 ? 1 : Math.Pow(rng.NextOpenDouble(), k);
        watchMs = (int)Math.Round(completion * p.DurationMs);
        if (completion >= p.EffectiveThreshold) feedback |= Feedback.EffectiveView;
        if (rng.NextDouble() < Explicit(user, UserPopulation.Like, p)) feedback |= Feedback.Like;
        if (rng.NextDouble() < Explicit(user, UserPopulation.Comment, p)) feedback |= Feedback.Comment;
        if (rng.NextDouble() < Explicit(user, UserPopulation.Follow, p)) feedback |= Feedback.Follow;
        if (rng.NextDouble() < Explicit(user, UserPopulation.Share, p)) feedback |= Feedback.Share;
        if (rng.NextDouble() < Explicit(user, UserPopulation.ProfileVisit, p)) feedback |= Feedback.ProfileVisit;
        return feedback;
    }

    private readonly record struct Drivers(double Affinity, double Quality, double Click, double Completion, int DurationMs, double EffectiveThreshold, double ExplicitLift);

    private Drivers Parameters(int user, int item)
    {
        var a = Affinity(user, item);
        var q = _items.Quality[item];
        var duration = _items.DurationMs[item];
        var click = Sigmoid(_c.ClickBias + _c.ClickAffinity * a + _c.ClickQuality * q + _users.ClickBias[user]);
        var completion = Sigmoid(_c.CompletionBias + _c.CompletionAffinity * a + _c.CompletionQuality * q
                                 - _c.CompletionDurationSlope * Math.Log((double)duration / _c.ReferenceDurationMs));
        completion = Math.Clamp(completion, 1e-6, 1);
        var threshold = duration <= 0 ? 0 : Math.Min(_c.EffectiveViewFraction, (double)_c.EffectiveViewMs / duration);
        var lift = Math.Exp(_c.ExplicitAffinityLift * (a - 0.5) + _c.ExplicitQualityLift * q);
        return new Drivers(a, q, click, completion, duration, threshold, lift);
    }

    private double Explicit(int user, int kind, in Drivers p) => Math.Min(MaxExplicit, _users.PropensityOf(user, kind) * p.ExplicitLift);

    /// <summary>P(U^k ≥ t) = 1 − t^(1/k).</summary>
    private static double TailProbability(double t, double k)
    {
        if (t <= 0) return 1;
        if (k < 1e-12) return 1;
        return 1 - Math.Pow(t, 1 / k);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
