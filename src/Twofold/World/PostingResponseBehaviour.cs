namespace Twofold.World;

/// <summary>
/// Creators post more when they receive more engagement (DualRec Figure 1: the probability of posting tomorrow rises
/// with likes and comments received, with diminishing returns) and make items near their own fixed style. Every
/// other behaviour model posts through this one and changes only what the creator makes.
/// </summary>
/// <remarks>
/// Posts today ~ Poisson(λ_c (1 + β ln(1 + E_c / E₀))), capped; E_c ← m E_c + likes + w·comments after each day;
/// P(post ≥ 1) = 1 − e^(−rate) is concave in E_c. Items stay near the creator's style: latent = normalize(style +
/// σ n/√d), or near another genre's centroid with a small probability.
/// </remarks>
public class PostingResponseBehaviour : ICreatorBehaviour
{
    private readonly CreatorConfig _c;
    private readonly CatalogueConfig _catalogue;

    public PostingResponseBehaviour(WorldConfig config)
    {
        _c = config.CreatorModel;
        _catalogue = config.Catalogue;
        ItemNoise = config.Tastes.ItemNoise;
    }

    public virtual string Name => CreatorBehaviours.PostingResponse;

    /// <summary>σ between the centre a creator aims at and each item.</summary>
    protected double ItemNoise { get; }

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

    public virtual int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent)
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
        LatentSpace.Near(ref rng, state.Creators.StyleOf(creator), ItemNoise, latent);
        return home;
    }

    /// <summary>Smooths the engagement E_c the posting rate responds to.</summary>
    public virtual void EndOfDay(WorldState state)
    {
        for (var c = 0; c < state.Creators.Count; c++)
            state.CreatorEngagement[c] = (float)(_c.EngagementMemory * state.CreatorEngagement[c]
                                                 + state.CreatorLikesToday[c] + _c.CommentWeight * state.CreatorCommentsToday[c]);
    }
}
