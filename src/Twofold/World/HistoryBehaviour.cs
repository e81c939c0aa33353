namespace Twofold.World;

/// <summary>
/// History-based content choice (LoRe §3.3, one of the creators' own decision models: "selecting the most popular
/// genre of previously created content"): each new item is of the genre whose items, among the creator's items of the
/// last <c>history_days</c>, received the most clicks; the item is made near the creator's style when that genre is
/// their own, near the genre's centroid otherwise (as the posting-response model makes off-genre items).
/// </summary>
/// <remarks>
/// Ties go to the creator's own genre, then to the lower genre id; a creator with no click in memory makes items as
/// the posting-response model does (their style, another genre with a small probability), so history has something
/// to learn from.
/// </remarks>
public sealed class HistoryBehaviour : PostingResponseBehaviour
{
    private readonly CreatorItemHistory _history;

    public HistoryBehaviour(WorldConfig config) : base(config)
    {
        _history = new CreatorItemHistory(config.Creators, config.CreatorBehaviour.HistoryDays);
    }

    public override string Name => CreatorBehaviours.History;

    /// <summary>The genre the creator's remembered items got the most clicks in, or −1 when they got none.</summary>
    public int MostClickedGenre(WorldState state, int creator)
    {
        Span<int> clicks = stackalloc int[state.Space.Genres];
        clicks.Clear();
        foreach (var item in _history.ItemsOf(creator)) clicks[state.Items.Genre[item]] += _history.Clicks(item);
        var home = state.Creators.Genre[creator];
        var best = home;
        for (var g = 0; g < clicks.Length; g++)
            if (clicks[g] > clicks[best]) best = g;
        return clicks[best] > 0 ? best : -1;
    }

    public override int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent)
    {
        var genre = MostClickedGenre(state, creator);
        if (genre < 0) return base.DesignItem(state, creator, ref rng, latent);
        if (genre == state.Creators.Genre[creator]) LatentSpace.Near(ref rng, state.Creators.StyleOf(creator), ItemNoise, latent);
        else LatentSpace.Near(ref rng, state.Space.Centroid(genre), state.Config.Tastes.CreatorNoise, latent);
        return genre;
    }

    public override void EndOfDay(WorldState state)
    {
        base.EndOfDay(state);
        _history.Update(state);
    }
}
