namespace Twofold.World;

/// <summary>
/// How creators decide, day by day, how much to post and what to make, and how they react to the feedback they
/// received. The posting-response model (<see cref="PostingResponseBehaviour"/>) is the default; content-evolution
/// models (CFD, SimuLine, local better response, trust-weighted suggestion following) plug in here.
/// </summary>
public interface ICreatorBehaviour
{
    /// <summary>The expected number of items <paramref name="creator"/> posts today (the oracle of the posting decision).</summary>
    double ExpectedPosts(WorldState state, int creator);

    /// <summary>Draws how many items the creator posts today.</summary>
    int Posts(WorldState state, int creator, ref WorldRandom rng);

    /// <summary>Chooses what the next item is: writes its latent vector and returns its genre.</summary>
    int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent);

    /// <summary>Takes in the feedback the creator's items received today (counters in <paramref name="state"/>).</summary>
    void EndOfDay(WorldState state, int creator);
}

/// <summary>
/// Creators post more when they receive more engagement (DualRec Figure 1: the probability of posting tomorrow rises
/// with likes and comments received, with diminishing returns) and leave after a spell without clicks (as the
/// LoRe environment's creators do).
/// </summary>
/// <remarks>
/// Posts today ~ Poisson(λ_c (1 + β ln(1 + E_c / E₀))), capped; E_c ← m E_c + likes + w·comments after each day;
/// P(post ≥ 1) = 1 − e^(−rate) is concave in E_c. A creator whose items get no click for l consecutive days churns
/// (l = 0 disables churn). Items stay near the creator's style: latent = normalize(style + σ n/√d), or near another
/// genre's centroid with a small probability.
/// </remarks>
public sealed class PostingResponseBehaviour : ICreatorBehaviour
{
    private readonly CreatorConfig _c;
    private readonly CatalogueConfig _catalogue;
    private readonly double _itemNoise;

    public PostingResponseBehaviour(WorldConfig config)
    {
        _c = config.CreatorModel;
        _catalogue = config.Catalogue;
        _itemNoise = config.Tastes.ItemNoise;
    }

    public double PostingRate(WorldState state, int creator)
    {
        if (!state.CreatorActive[creator]) return 0;
        var engagement = state.CreatorEngagement[creator];
        return state.Creators.BasePostingRate[creator] * (1 + _c.EngagementResponse * Math.Log(1 + engagement / _c.EngagementScale));
    }

    public double ExpectedPosts(WorldState state, int creator)
    {
        // E[min(Poisson(λ), cap)]
        var rate = PostingRate(state, creator);
        if (rate <= 0) return 0;
        double p = Math.Exp(-rate), cumulative = p, expected = 0;
        for (var k = 1; k < _c.MaxPostsPerDay; k++)
        {
            p *= rate / k;
            cumulative += p;
            expected += k * p;
        }
        return expected + _c.MaxPostsPerDay * Math.Max(0, 1 - cumulative);
    }

    public int Posts(WorldState state, int creator, ref WorldRandom rng) =>
        rng.Poisson(PostingRate(state, creator), _c.MaxPostsPerDay);

    public int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent)
    {
        var home = state.Creators.Genre[creator];
        if (rng.NextDouble() < _catalogue.OffGenreProbability)
        {
            var genre = rng.Categorical(state.Space.GenreWeights);
            if (genre != home)
            {
                LatentSpace.Near(ref rng, state.Space.Centroid(genre), state.Config.Tastes.CreatorNoise, latent);
                return genre;
            }
        }
        LatentSpace.Near(ref rng, state.Creators.StyleOf(creator), _itemNoise, latent);
        return home;
    }

    public void EndOfDay(WorldState state, int creator)
    {
        state.CreatorEngagement[creator] = (float)(_c.EngagementMemory * state.CreatorEngagement[creator]
                                                   + state.CreatorLikesToday[creator] + _c.CommentWeight * state.CreatorCommentsToday[creator]);
        if (state.CreatorClicksToday[creator] > 0) state.CreatorDaysWithoutClicks[creator] = 0;
        else state.CreatorDaysWithoutClicks[creator]++;
        if (_c.ChurnDays > 0 && state.CreatorDaysWithoutClicks[creator] >= _c.ChurnDays) state.CreatorActive[creator] = false;
    }
}
