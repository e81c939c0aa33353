namespace Twofold.World;

/// <summary>
/// Boundedly rational creators with trust (LoRe §3.3): creator c has a trust degree d_c ∈ [0, 1] and follows the
/// platform's suggestion with probability d_c; otherwise they act by their own decision model (any other behaviour:
/// SimuLine by default, history-based, CFD, LBR or the posting-response model). Trust starts from a truncated Gaussian
/// N(μ, σ²; 0, 1) (LoRe §5.2: μ = 0.5, σ² = 1.0) and, optionally, evolves with the clicks that following brings
/// (LoRe §5.4).
/// </summary>
/// <remarks>
/// Our choices where LoRe is open or unreadable:
/// - A creator decides once a day whether to follow that day's suggestion; every item of the day follows the decision.
/// - An item made on a suggested genre g is drawn around g's centroid (latent = normalize(centroid_g + σ_c n/√d),
///   the same draw as an off-genre item of the posting-response model); its genre is g.
/// - Dynamic trust (the formula is garbled in the extracted text; we read d^{t+1} = d^t · r^t / r^{t−1} after a day the
///   creator followed, r = clicks received that day): d ← clamp(d · (r_t + 1) / (r_{t−1} + 1), 0, 1), the +1 so
///   a day without clicks does not divide by zero. Off by default, as in LoRe's main experiments.
/// - Posting volume is the own model's (all our models post as the posting-response model does).
/// </remarks>
public sealed class SuggestionFollowingBehaviour : ICreatorBehaviour
{
    private readonly ICreatorBehaviour _own;
    private readonly ICreatorSuggestions _suggestions;
    private readonly bool _dynamicTrust;
    private readonly double[] _trust;
    private readonly int[] _decisionDay;
    private readonly int[] _followedGenre; // −1: not following today
    private readonly int[] _clicksBefore;

    public SuggestionFollowingBehaviour(WorldConfig config, ICreatorBehaviour own, ICreatorSuggestions suggestions)
    {
        if (own is SuggestionFollowingBehaviour) throw new ArgumentException("A creator's own model cannot itself be suggestion following.", nameof(own));
        _own = own;
        _suggestions = suggestions;
        var b = config.CreatorBehaviour;
        _dynamicTrust = b.TrustDynamics;
        _trust = new double[config.Creators];
        for (var c = 0; c < config.Creators; c++)
        {
            var rng = new WorldRandom(config.Seed, WorldRandom.Purpose.Trust, c);
            _trust[c] = TruncatedNormal(ref rng, b.TrustMean, b.TrustSd);
        }
        _decisionDay = new int[config.Creators];
        _decisionDay.AsSpan().Fill(int.MinValue);
        _followedGenre = new int[config.Creators];
        _followedGenre.AsSpan().Fill(-1);
        _clicksBefore = new int[config.Creators];
    }

    public string Name => CreatorBehaviours.SuggestionFollowing;

    /// <summary>The creator's own decision model, used when they do not follow.</summary>
    public ICreatorBehaviour Own => _own;

    /// <summary>The creator's current trust d_c.</summary>
    public double TrustOf(int creator) => _trust[creator];

    /// <summary>The genre the creator followed today, or −1.</summary>
    public int FollowedToday(WorldState state, int creator) => _decisionDay[creator] == state.Day ? _followedGenre[creator] : -1;

    public double ExpectedPosts(WorldState state, int creator) => _own.ExpectedPosts(state, creator);

    public int Posts(WorldState state, int creator, ref WorldRandom rng) => _own.Posts(state, creator, ref rng);

    public int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent)
    {
        if (_decisionDay[creator] != state.Day)
        {
            _decisionDay[creator] = state.Day;
            var suggestion = _suggestions.Suggest(state, creator);
            if (suggestion is { } g && (g < 0 || g >= state.Space.Genres))
                throw new InvalidOperationException($"The suggestion policy suggested genre {g} to creator {creator}; the world has genres 0 to {state.Space.Genres - 1}.");
            _followedGenre[creator] = suggestion is { } genre && rng.NextDouble() < _trust[creator] ? genre : -1;
        }
        var followed = _followedGenre[creator];
        if (followed < 0) return _own.DesignItem(state, creator, ref rng, latent);
        LatentSpace.Near(ref rng, state.Space.Centroid(followed), state.Config.Tastes.CreatorNoise, latent);
        return followed;
    }

    public void EndOfDay(WorldState state)
    {
        _own.EndOfDay(state);
        for (var c = 0; c < _trust.Length; c++)
        {
            var clicks = state.CreatorClicksToday[c];
            if (_dynamicTrust && FollowedToday(state, c) >= 0 && state.CreatorPostsToday[c] > 0)
                _trust[c] = Math.Clamp(_trust[c] * (clicks + 1.0) / (_clicksBefore[c] + 1.0), 0, 1);
            _clicksBefore[c] = clicks;
        }
    }

    /// <summary>N(μ, σ²) conditioned on [0, 1], by rejection (σ = 0: μ clamped).</summary>
    private static double TruncatedNormal(ref WorldRandom rng, double mean, double sd)
    {
        if (sd == 0) return Math.Clamp(mean, 0, 1);
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var x = mean + sd * rng.Normal();
            if (x is >= 0 and <= 1) return x;
        }
        return Math.Clamp(mean, 0, 1);
    }
}
