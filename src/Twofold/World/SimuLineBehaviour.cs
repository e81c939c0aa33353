namespace Twofold.World;

/// <summary>
/// SimuLine (LoRe §5.4, after Zhang et al. 2023): "creators' subsequent creations are determined by probabilistic
/// sampling based on the number of clicks in previous steps". For each new item the creator samples one of their own
/// items of the last <c>history_days</c> with probability ∝ clicks + κ, and makes a variation of it: latent =
/// normalize(l_chosen + σ n/√d), genre = the chosen item's genre.
/// </summary>
/// <remarks>
/// Our choices where the description is open: sampling is over items (so both the genre and the position within it
/// follow the clicks; LoRe's genre-level creators are the special case of one item per genre); κ
/// (<c>simuline_prior</c>, default 1) keeps unclicked items possible, so a creator without clicks explores their own
/// range rather than freezing; a creator with no item in the window makes one near their style.
/// </remarks>
public sealed class SimuLineBehaviour : PostingResponseBehaviour
{
    private readonly double _prior;
    private readonly CreatorItemHistory _history;

    public SimuLineBehaviour(WorldConfig config) : base(config)
    {
        _prior = config.CreatorBehaviour.SimulinePrior;
        _history = new CreatorItemHistory(config.Creators, config.CreatorBehaviour.HistoryDays);
    }

    public override string Name => CreatorBehaviours.SimuLine;

    public override int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent)
    {
        var items = _history.ItemsOf(creator);
        if (items.Count == 0)
        {
            LatentSpace.Near(ref rng, state.Creators.StyleOf(creator), ItemNoise, latent);
            return state.Space.NearestGenre(latent);
        }
        var total = 0.0;
        foreach (var item in items) total += _history.Clicks(item) + _prior;
        var chosen = items[total > 0 ? items.Count - 1 : rng.NextInt(items.Count)];
        var target = rng.NextDouble() * total;
        foreach (var item in items)
        {
            target -= _history.Clicks(item) + _prior;
            if (target < 0)
            {
                chosen = item;
                break;
            }
        }
        LatentSpace.Near(ref rng, state.Items.LatentOf(chosen), ItemNoise, latent);
        return state.Items.Genre[chosen];
    }

    public override void EndOfDay(WorldState state)
    {
        base.EndOfDay(state);
        _history.Update(state);
    }
}
