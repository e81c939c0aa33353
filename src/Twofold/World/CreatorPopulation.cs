namespace Twofold.World;

/// <summary>
/// The creators' fixed parameters, struct-of-arrays by dense creator id: a heavy-tailed follower base (Pareto),
/// quality that grows slowly with size, a genre focus, a style vector near the genre's centroid and a base
/// posting rate (log-normal).
/// </summary>
public sealed class CreatorPopulation
{
    public CreatorPopulation(int count, int dimension)
    {
        Count = count;
        Dimension = dimension;
        Followers = new float[count];
        Quality = new float[count];
        Genre = new int[count];
        Style = new float[count * dimension];
        BasePostingRate = new float[count];
    }

    public int Count { get; }
    public int Dimension { get; }
    public float[] Followers { get; }
    public float[] Quality { get; }
    public int[] Genre { get; }
    /// <summary>Unit style vectors, row-major [creator × dimension].</summary>
    public float[] Style { get; }
    /// <summary>Expected items per day without any engagement.</summary>
    public float[] BasePostingRate { get; }

    public ReadOnlySpan<float> StyleOf(int creator) => Style.AsSpan(creator * Dimension, Dimension);

    public static CreatorPopulation Create(WorldConfig config, LatentSpace space)
    {
        var c = config.CreatorModel;
        var creators = new CreatorPopulation(config.Creators, config.Tastes.Dimension);
        for (var i = 0; i < creators.Count; i++)
        {
            var rng = new WorldRandom(config.Seed, WorldRandom.Purpose.Creators, i);
            var followers = Math.Min(c.MinFollowers * Math.Pow(rng.NextOpenDouble(), -1 / c.SizeTail), Math.Max(config.Users, c.MinFollowers));
            creators.Followers[i] = (float)followers;
            creators.Quality[i] = (float)(c.QualitySd * rng.Normal() + c.QualityPerLogSize * Math.Log(followers / c.MinFollowers));
            var genre = rng.Categorical(space.GenreWeights);
            creators.Genre[i] = genre;
            LatentSpace.Near(ref rng, space.Centroid(genre), config.Tastes.CreatorNoise, creators.Style.AsSpan(i * creators.Dimension, creators.Dimension));
            var s = c.PostingRateSpread;
            creators.BasePostingRate[i] = (float)(c.MeanPostingRate * Math.Exp(s * rng.Normal() - s * s / 2));
        }
        return creators;
    }
}
