namespace Twofold.World;

/// <summary>
/// The users' fixed parameters, as struct-of-arrays indexed by dense user id: latent tastes clustered by genre
/// interests, activity parameters (base visit rate, weekly rhythm, session length, preferred hour), click bias and
/// the per-user propensities θ_u of explicit feedback (DualRec §3.3 divides creator-side scores by θ_u).
/// </summary>
public sealed class UserPopulation
{
    /// <summary>The explicit feedback kinds that have a per-user propensity, in column order.</summary>
    public static readonly string[] PropensityKinds = ["like", "comment", "follow", "share", "profile_visit"];
    public const int Like = 0, Comment = 1, Follow = 2, Share = 3, ProfileVisit = 4;

    public UserPopulation(int count, int dimension, int maxInterests)
    {
        Count = count;
        Dimension = dimension;
        MaxInterests = maxInterests;
        Taste = new float[count * dimension];
        InterestGenres = new int[count * maxInterests];
        InterestWeights = new float[count * maxInterests];
        BaseVisitRate = new float[count];
        WeeklyAmplitude = new float[count];
        WeeklyPeak = new float[count];
        SessionMean = new float[count];
        StartHour = new float[count];
        ClickBias = new float[count];
        Propensity = new float[count * PropensityKinds.Length];
    }

    public int Count { get; }
    public int Dimension { get; }
    public int MaxInterests { get; }

    /// <summary>Unit taste vectors, row-major [user × dimension].</summary>
    public float[] Taste { get; }
    /// <summary>The genres a user is interested in, [user × max interests], −1 for unused slots.</summary>
    public int[] InterestGenres { get; }
    /// <summary>Weights of those genres (sum to 1 per user).</summary>
    public float[] InterestWeights { get; }
    /// <summary>Base daily-visit probability b_u ~ Beta(mκ, (1−m)κ).</summary>
    public float[] BaseVisitRate { get; }
    /// <summary>Amplitude A_u of the weekly rhythm (logit scale).</summary>
    public float[] WeeklyAmplitude { get; }
    /// <summary>The point of the week (0 = Sunday .. 7) at which the user is most active.</summary>
    public float[] WeeklyPeak { get; }
    /// <summary>Mean feed impressions per visit.</summary>
    public float[] SessionMean { get; }
    /// <summary>Preferred hour of day (UTC) of a visit.</summary>
    public float[] StartHour { get; }
    /// <summary>The user's click logit offset.</summary>
    public float[] ClickBias { get; }
    /// <summary>θ_u per kind: probability of the feedback given a click at neutral affinity and quality, [user × kind].</summary>
    public float[] Propensity { get; }

    public ReadOnlySpan<float> TasteOf(int user) => Taste.AsSpan(user * Dimension, Dimension);
    public float PropensityOf(int user, int kind) => Propensity[user * PropensityKinds.Length + kind];

    /// <summary>Draws the population; user u takes its own random stream, so users can be drawn in parallel.</summary>
    public static UserPopulation Create(WorldConfig config, LatentSpace space)
    {
        var t = config.Tastes;
        var a = config.Activity;
        var r = config.Responses;
        var users = new UserPopulation(config.Users, t.Dimension, t.MaxInterests);
        double[] rates = [r.LikeRate, r.CommentRate, r.FollowRate, r.ShareRate, r.ProfileVisitRate];
        Parallel.For(0, (config.Users + 4095) / 4096, block =>
        {
            Span<double> weights = stackalloc double[t.Genres];
            Span<float> mix = stackalloc float[t.Dimension];
            var end = Math.Min(config.Users, (block + 1) * 4096);
            for (var u = block * 4096; u < end; u++)
            {
                var rng = new WorldRandom(config.Seed, WorldRandom.Purpose.Users, u);
                // Genre interests: 1..M genres by genre popularity without replacement, random weights.
                var k = 1 + rng.NextInt(t.MaxInterests);
                space.GenreWeights.CopyTo(weights);
                mix.Clear();
                var interests = users.InterestGenres.AsSpan(u * t.MaxInterests, t.MaxInterests);
                var interestWeights = users.InterestWeights.AsSpan(u * t.MaxInterests, t.MaxInterests);
                interests.Fill(-1);
                var weightSum = 0f;
                for (var j = 0; j < k; j++)
                {
                    var g = rng.Categorical(weights);
                    weights[g] = 0;
                    var w = (float)-Math.Log(rng.NextOpenDouble());
                    interests[j] = g;
                    interestWeights[j] = w;
                    weightSum += w;
                    var centroid = space.Centroid(g);
                    for (var i = 0; i < mix.Length; i++) mix[i] += w * centroid[i];
                }
                for (var j = 0; j < k; j++) interestWeights[j] /= weightSum;
                LatentSpace.Normalize(mix);
                LatentSpace.Near(ref rng, mix, t.UserNoise, users.Taste.AsSpan(u * t.Dimension, t.Dimension));

                var kappa = a.VisitRateConcentration;
                users.BaseVisitRate[u] = (float)Math.Clamp(rng.Beta(a.MeanVisitRate * kappa, (1 - a.MeanVisitRate) * kappa), 0.002, 0.998);
                users.WeeklyAmplitude[u] = (float)(a.WeeklyAmplitude * (0.5 + rng.NextDouble()));
                users.WeeklyPeak[u] = (float)(rng.NextDouble() * 7);
                var s = a.SessionLengthSpread;
                users.SessionMean[u] = (float)Math.Max(1, a.MeanSessionLength * Math.Exp(s * rng.Normal() - s * s / 2));
                users.StartHour[u] = (float)(7 + 16 * rng.Beta(2.5, 1.5));
                users.ClickBias[u] = (float)(r.UserClickSd * rng.Normal());
                var shared = r.EngagementSd * rng.Normal() - r.EngagementSd * r.EngagementSd / 2;
                for (var m = 0; m < rates.Length; m++)
                {
                    var own = r.KindSd * rng.Normal() - r.KindSd * r.KindSd / 2;
                    users.Propensity[u * rates.Length + m] = (float)Math.Min(0.95, rates[m] * Math.Exp(shared + own));
                }
            }
        });
        return users;
    }
}
