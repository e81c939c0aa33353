namespace Twofold.World;

/// <summary>
/// Local Better Response (the welfare paper, 002, Algorithm 2): a creator draws a random direction g on the unit
/// sphere, tries the strategy s + η g, and moves there (projected back onto the strategy set) only if the utility
/// there is at least the utility at s; otherwise they keep s. Creators only have point estimates of their utility
/// (the paper's first property of LBR), which here are observed by posting.
/// </summary>
/// <remarks>
/// Our reading of Algorithm 2 in a world where utility is black-box: u(s) is the clicks per item the creator's
/// items posted on one day receive on that day (the observable stand-in for eq. 5's user utility of the matches).
/// A creator alternates between a measuring day, when items are made around s and u(s) is observed, and a trial
/// day, when items are made around s' = normalize(s + η g) and u(s') is observed; then s ← s' if u(s') ≥ u(s).
/// After an accepted move the trial day's utility is the new u(s), and the next posting day is another trial; after a
/// rejection the next posting day measures u(s) afresh (a stale, lucky u(s) would otherwise block every move).
/// Days without posts change nothing. The strategy set is the unit sphere (every latent is a unit vector), so the
/// projection of line 5 is normalisation. η = <c>lbr_step</c> (0.2 as in the paper's experiments).
/// </remarks>
public sealed class LocalBetterResponseBehaviour : StrategyBehaviour
{
    private readonly double _step;
    private float[]? _trial;
    private bool[]? _trying;
    private double[]? _utility;

    public LocalBetterResponseBehaviour(WorldConfig config) : base(config)
    {
        _step = config.CreatorBehaviour.LbrStep;
    }

    public override string Name => CreatorBehaviours.Lbr;

    /// <summary>Whether the creator's next posting day tries <see cref="TrialOf"/> (else it measures the strategy).</summary>
    public bool IsTrying(int creator) => _trying is { } t && t[creator];

    /// <summary>The strategy being tried (meaningful while <see cref="IsTrying"/>).</summary>
    public ReadOnlySpan<float> TrialOf(int creator) => _trial is null ? [] : _trial.AsSpan(creator * Dimension, Dimension);

    protected override ReadOnlySpan<float> Centre(WorldState state, int creator) =>
        IsTrying(creator) ? TrialOf(creator) : StrategyOf(state, creator);

    protected override void Learn(WorldState state, int creator)
    {
        var posts = state.CreatorPostsToday[creator];
        if (posts == 0) return;
        _trial ??= new float[state.Creators.Count * Dimension];
        _trying ??= new bool[state.Creators.Count];
        _utility ??= new double[state.Creators.Count];

        var clicks = 0;
        var items = History.ItemsOf(creator);
        for (var k = items.Count - 1; k >= 0 && state.Items.UploadDay[items[k]] == state.Day; k--) clicks += state.ItemClicksToday[items[k]];
        var utility = clicks / (double)posts;

        if (_trying[creator])
        {
            _trying[creator] = false;
            if (utility < _utility[creator]) return; // keep s; the next posting day measures it again
            TrialOf(creator).CopyTo(MutableStrategy(state, creator));
        }
        // u(s) is known (just measured, or the accepted trial's): draw the next direction to try.
        _utility[creator] = utility;
        var rng = new WorldRandom(state.Config.Seed, WorldRandom.Purpose.CreatorStrategy, creator, state.Day);
        var trial = _trial.AsSpan(creator * Dimension, Dimension);
        LatentSpace.RandomUnit(ref rng, trial);
        var strategy = StrategyOf(state, creator);
        for (var k = 0; k < Dimension; k++) trial[k] = strategy[k] + (float)_step * trial[k];
        LatentSpace.Normalize(trial);
        _trying[creator] = true;
    }
}
