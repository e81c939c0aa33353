namespace Twofold.World;

/// <summary>
/// The common part of the models in which a creator's strategy is a point on the unit sphere of the latent space
/// (the strategy s_i of the welfare paper's C3 game): items are drawn around the point the creator aims at today
/// (latent = normalize(centre + σ n/√d)), an item's genre is the genre whose centroid is nearest to it, and the
/// strategy starts at the creator's style. Subclasses say how the strategy moves.
/// </summary>
public abstract class StrategyBehaviour : PostingResponseBehaviour
{
    private float[]? _strategy;

    protected StrategyBehaviour(WorldConfig config) : base(config)
    {
        Dimension = config.Tastes.Dimension;
        History = new CreatorItemHistory(config.Creators, config.CreatorBehaviour.HistoryDays);
    }

    protected int Dimension { get; }

    /// <summary>Each creator's own recent items and their clicks.</summary>
    protected CreatorItemHistory History { get; }

    /// <summary>The creator's current strategy (a unit vector).</summary>
    public ReadOnlySpan<float> StrategyOf(WorldState state, int creator) => Strategies(state).AsSpan(creator * Dimension, Dimension);

    protected Span<float> MutableStrategy(WorldState state, int creator) => Strategies(state).AsSpan(creator * Dimension, Dimension);

    /// <summary>The point today's items are drawn around; the strategy itself unless the model is trying another.</summary>
    protected virtual ReadOnlySpan<float> Centre(WorldState state, int creator) => StrategyOf(state, creator);

    public override int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent)
    {
        LatentSpace.Near(ref rng, Centre(state, creator), ItemNoise, latent);
        return state.Space.NearestGenre(latent);
    }

    public override void EndOfDay(WorldState state)
    {
        base.EndOfDay(state);
        History.Update(state);
        for (var c = 0; c < state.Creators.Count; c++)
            if (state.CreatorActive[c]) Learn(state, c);
    }

    /// <summary>Moves the creator's strategy after the day's feedback (taken in by <see cref="History"/>).</summary>
    protected abstract void Learn(WorldState state, int creator);

    private float[] Strategies(WorldState state) => _strategy ??= (float[])state.Creators.Style.Clone();
}
