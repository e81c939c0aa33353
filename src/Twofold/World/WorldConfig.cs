using System.Text.Json;
using System.Text.Json.Serialization;
using Twofold.Data;

namespace Twofold.World;

/// <summary>
/// Everything that defines a synthetic world. The same config (including <see cref="Seed"/>) gives the same
/// dataset and ground truth, byte for byte. Defaults describe a small world whose calibration is recorded in
/// docs/world.md; the sections hold the parameters of each component.
/// </summary>
public sealed record WorldConfig
{
    /// <summary>The seed every random choice is derived from.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Number of users (tests: a few thousand; benchmarks: up to 1,000,000).</summary>
    public int Users { get; init; } = 2_000;

    /// <summary>Number of creators (about one per ten users).</summary>
    public int Creators { get; init; } = 200;

    /// <summary>Number of simulated days logged.</summary>
    public int Days { get; init; } = 40;

    /// <summary>The first logged day (UTC). A Monday by default, so day-of-week effects line up with day numbers.</summary>
    public DateOnly StartDate { get; init; } = new(2026, 1, 5);

    public TasteConfig Tastes { get; init; } = new();
    public ActivityConfig Activity { get; init; } = new();
    public ResponseConfig Responses { get; init; } = new();
    public CreatorConfig CreatorModel { get; init; } = new();
    public CatalogueConfig Catalogue { get; init; } = new();
    public RecommenderConfig Recommender { get; init; } = new();
    /// <summary>Which creator behaviour model runs (posting-response, cfd, simuline, lbr, suggestion-following).</summary>
    public CreatorBehaviourConfig CreatorBehaviour { get; init; } = new();

    /// <summary>Checks every field; throws an <see cref="ArgumentException"/> naming the first bad one.</summary>
    public WorldConfig Validate()
    {
        AtLeast("seed", Seed, 0);
        AtLeast("users", Users, 1);
        AtLeast("creators", Creators, 1);
        AtLeast("days", Days, 1);
        AtMost("days", Days, 3650);
        if (StartDate.Year < 1971) throw new ArgumentException($"start_date must be after 1970 (got {StartDate:yyyy-MM-dd}).");
        Tastes.Validate();
        Activity.Validate();
        Responses.Validate();
        CreatorModel.Validate();
        Catalogue.Validate();
        Recommender.Validate();
        CreatorBehaviour.Validate();
        return this;
    }

    /// <summary>Reads a config from JSON (snake_case; missing fields keep their defaults, unknown ones are errors).</summary>
    public static WorldConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The world config {path} does not exist.", path);
        try
        {
            var config = JsonSerializer.Deserialize<WorldConfig>(File.ReadAllText(path), Json);
            return config ?? throw new DataFormatException(path, "the world config is empty (null)");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"the world config is not valid: {e.Message}", line: e.LineNumber + 1, inner: e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Snake-case JSON that refuses unknown fields, so a misspelt parameter is an error, not a silent default.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonDefaults.Indented)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    internal static void AtLeast(string field, double value, double min)
    {
        if (double.IsNaN(value) || value < min) throw new ArgumentException($"{field} must be at least {min} (got {value}).");
    }

    internal static void AtMost(string field, double value, double max)
    {
        if (double.IsNaN(value) || value > max) throw new ArgumentException($"{field} must be at most {max} (got {value}).");
    }

    internal static void Between(string field, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
            throw new ArgumentException($"{field} must be between {min} and {max} (got {value}).");
    }

    internal static void Positive(string field, double value)
    {
        if (double.IsNaN(value) || value <= 0) throw new ArgumentException($"{field} must be positive (got {value}).");
    }
}

/// <summary>The latent space of tastes and styles.</summary>
public sealed record TasteConfig
{
    /// <summary>Dimension d of user tastes and item latents.</summary>
    public int Dimension { get; init; } = 16;

    /// <summary>Number of genres; each has a centroid in the latent space.</summary>
    public int Genres { get; init; } = 12;

    /// <summary>Zipf exponent of genre popularity (among users' interests and creators' focus).</summary>
    public double GenreZipf { get; init; } = 0.8;

    /// <summary>Most genres a user is interested in (each user draws 1..this many).</summary>
    public int MaxInterests { get; init; } = 3;

    /// <summary>Noise added to a user's mixture of genre centroids (per unit vector).</summary>
    public double UserNoise { get; init; } = 0.5;

    /// <summary>Noise between a creator's genre centroid and the creator's style.</summary>
    public double CreatorNoise { get; init; } = 0.4;

    /// <summary>Noise between a creator's style and each of their items.</summary>
    public double ItemNoise { get; init; } = 0.3;

    /// <summary>Dimension of items' content embeddings (a noisy projection of the latent); 0 for none.</summary>
    public int ContentDimension { get; init; } = 32;

    /// <summary>Noise of the content embedding relative to the projected latent.</summary>
    public double ContentNoise { get; init; } = 0.3;

    internal void Validate()
    {
        WorldConfig.Between("tastes.dimension", Dimension, 2, 1024);
        WorldConfig.Between("tastes.genres", Genres, 1, 1000);
        WorldConfig.AtLeast("tastes.genre_zipf", GenreZipf, 0);
        WorldConfig.Between("tastes.max_interests", MaxInterests, 1, Math.Min(Genres, 8));
        WorldConfig.AtLeast("tastes.user_noise", UserNoise, 0);
        WorldConfig.AtLeast("tastes.creator_noise", CreatorNoise, 0);
        WorldConfig.AtLeast("tastes.item_noise", ItemNoise, 0);
        WorldConfig.Between("tastes.content_dimension", ContentDimension, 0, 4096);
        WorldConfig.AtLeast("tastes.content_noise", ContentNoise, 0);
    }
}

/// <summary>Users' daily visits (DualRec §4: about 30% of users visit on a day; yesterday's history predicts tomorrow).</summary>
public sealed record ActivityConfig
{
    /// <summary>Mean of the users' base daily-visit rates (DualRec §1: daily actives ≈ 30% of users).</summary>
    public double MeanVisitRate { get; init; } = 0.3;

    /// <summary>Concentration a+b of the Beta distribution of base rates; small = widely spread.</summary>
    public double VisitRateConcentration { get; init; } = 1.5;

    /// <summary>Day-to-day correlation ρ of the AR(1) activity propensity (the user's memory).</summary>
    public double Persistence { get; init; } = 0.85;

    /// <summary>Stationary standard deviation of the propensity (on the logit scale).</summary>
    public double PropensitySd { get; init; } = 1.0;

    /// <summary>Mean amplitude of the weekly rhythm on the logit scale.</summary>
    public double WeeklyAmplitude { get; init; } = 0.4;

    /// <summary>Mean number of feed impressions in a visit.</summary>
    public double MeanSessionLength { get; init; } = 8;

    /// <summary>Spread (log-normal σ) of users' mean session lengths.</summary>
    public double SessionLengthSpread { get; init; } = 0.5;

    internal void Validate()
    {
        WorldConfig.Between("activity.mean_visit_rate", MeanVisitRate, 0.001, 0.999);
        WorldConfig.Positive("activity.visit_rate_concentration", VisitRateConcentration);
        WorldConfig.Between("activity.persistence", Persistence, 0, 0.999);
        WorldConfig.AtLeast("activity.propensity_sd", PropensitySd, 0);
        WorldConfig.AtLeast("activity.weekly_amplitude", WeeklyAmplitude, 0);
        WorldConfig.Between("activity.mean_session_length", MeanSessionLength, 1, 200);
        WorldConfig.AtLeast("activity.session_length_spread", SessionLengthSpread, 0);
    }
}

/// <summary>How a user responds to an impression (clicks, watch time, explicit feedback).</summary>
public sealed record ResponseConfig
{
    /// <summary>Click logit intercept.</summary>
    public double ClickBias { get; init; } = -1.0;
    /// <summary>Click logit slope on affinity (taste · latent).</summary>
    public double ClickAffinity { get; init; } = 2.5;
    /// <summary>Click logit slope on item quality.</summary>
    public double ClickQuality { get; init; } = 0.5;
    /// <summary>Standard deviation of users' click biases.</summary>
    public double UserClickSd { get; init; } = 0.5;

    /// <summary>Completion logit intercept at the reference duration.</summary>
    public double CompletionBias { get; init; } = -0.3;
    public double CompletionAffinity { get; init; } = 1.5;
    public double CompletionQuality { get; init; } = 0.4;
    /// <summary>How fast completion falls with log duration; below 1 so mean watch time still grows with duration.</summary>
    public double CompletionDurationSlope { get; init; } = 0.7;
    /// <summary>Reference duration (ms) of the duration term.</summary>
    public int ReferenceDurationMs { get; init; } = 20_000;

    /// <summary>An effective view is a click watched at least this long (ms) ...</summary>
    public int EffectiveViewMs { get; init; } = 7_000;
    /// <summary>... or this fraction of a shorter video.</summary>
    public double EffectiveViewFraction { get; init; } = 0.9;

    /// <summary>Mean probability, given a click, of a like (the θ_u of DualRec §3.3 are per-user multiples of these).</summary>
    public double LikeRate { get; init; } = 0.05;
    public double CommentRate { get; init; } = 0.01;
    public double FollowRate { get; init; } = 0.006;
    public double ShareRate { get; init; } = 0.004;
    public double ProfileVisitRate { get; init; } = 0.02;
    /// <summary>Log-normal σ of a user's overall engagement propensity (shared by all explicit kinds).</summary>
    public double EngagementSd { get; init; } = 0.8;
    /// <summary>Log-normal σ of each kind's own propensity on top of the shared one.</summary>
    public double KindSd { get; init; } = 0.5;
    /// <summary>Explicit feedback multiplier exp(lift · (affinity − 0.5)).</summary>
    public double ExplicitAffinityLift { get; init; } = 1.5;
    /// <summary>Explicit feedback multiplier exp(lift · quality).</summary>
    public double ExplicitQualityLift { get; init; } = 0.5;

    internal void Validate()
    {
        WorldConfig.AtLeast("responses.user_click_sd", UserClickSd, 0);
        WorldConfig.Between("responses.completion_duration_slope", CompletionDurationSlope, 0, 0.99);
        WorldConfig.Positive("responses.reference_duration_ms", ReferenceDurationMs);
        WorldConfig.AtLeast("responses.effective_view_ms", EffectiveViewMs, 0);
        WorldConfig.Between("responses.effective_view_fraction", EffectiveViewFraction, 0, 1);
        WorldConfig.Between("responses.like_rate", LikeRate, 0, 1);
        WorldConfig.Between("responses.comment_rate", CommentRate, 0, 1);
        WorldConfig.Between("responses.follow_rate", FollowRate, 0, 1);
        WorldConfig.Between("responses.share_rate", ShareRate, 0, 1);
        WorldConfig.Between("responses.profile_visit_rate", ProfileVisitRate, 0, 1);
        WorldConfig.AtLeast("responses.engagement_sd", EngagementSd, 0);
        WorldConfig.AtLeast("responses.kind_sd", KindSd, 0);
        foreach (var (name, v) in new[] { ("click_bias", ClickBias), ("click_affinity", ClickAffinity), ("click_quality", ClickQuality),
                     ("completion_bias", CompletionBias), ("completion_affinity", CompletionAffinity), ("completion_quality", CompletionQuality),
                     ("explicit_affinity_lift", ExplicitAffinityLift), ("explicit_quality_lift", ExplicitQualityLift) })
            if (!double.IsFinite(v)) throw new ArgumentException($"responses.{name} must be a finite number (got {v}).");
    }
}

/// <summary>Creators: size, quality, posting and its response to engagement (DualRec Figure 1), churn.</summary>
public sealed record CreatorConfig
{
    /// <summary>Pareto tail index of creators' follower bases (smaller = heavier tail).</summary>
    public double SizeTail { get; init; } = 1.1;
    /// <summary>Smallest follower base.</summary>
    public double MinFollowers { get; init; } = 10;
    /// <summary>Standard deviation of creator quality.</summary>
    public double QualitySd { get; init; } = 0.5;
    /// <summary>How much quality grows with log size.</summary>
    public double QualityPerLogSize { get; init; } = 0.1;
    /// <summary>Mean base posting rate (items per day without engagement).</summary>
    public double MeanPostingRate { get; init; } = 0.2;
    /// <summary>Log-normal σ of base posting rates.</summary>
    public double PostingRateSpread { get; init; } = 0.8;
    /// <summary>Strength β of the concave response: rate = base · (1 + β ln(1 + E / E0)).</summary>
    public double EngagementResponse { get; init; } = 1.0;
    /// <summary>Engagement scale E0 of the response.</summary>
    public double EngagementScale { get; init; } = 3;
    /// <summary>Weight of a comment relative to a like in engagement E.</summary>
    public double CommentWeight { get; init; } = 2;
    /// <summary>Fraction of yesterday's engagement E that carries over to today (memory).</summary>
    public double EngagementMemory { get; init; } = 0.5;
    /// <summary>A creator whose items receive no click for this many consecutive days stops posting; 0 = never.</summary>
    public int ChurnDays { get; init; } = 21;
    /// <summary>Most items a creator posts in one day.</summary>
    public int MaxPostsPerDay { get; init; } = 10;

    internal void Validate()
    {
        WorldConfig.Between("creator_model.size_tail", SizeTail, 0.2, 10);
        WorldConfig.Positive("creator_model.min_followers", MinFollowers);
        WorldConfig.AtLeast("creator_model.quality_sd", QualitySd, 0);
        WorldConfig.AtLeast("creator_model.quality_per_log_size", QualityPerLogSize, 0);
        WorldConfig.Between("creator_model.mean_posting_rate", MeanPostingRate, 0, 50);
        WorldConfig.AtLeast("creator_model.posting_rate_spread", PostingRateSpread, 0);
        WorldConfig.AtLeast("creator_model.engagement_response", EngagementResponse, 0);
        WorldConfig.Positive("creator_model.engagement_scale", EngagementScale);
        WorldConfig.AtLeast("creator_model.comment_weight", CommentWeight, 0);
        WorldConfig.Between("creator_model.engagement_memory", EngagementMemory, 0, 0.999);
        WorldConfig.Between("creator_model.churn_days", ChurnDays, 0, 10_000);
        WorldConfig.Between("creator_model.max_posts_per_day", MaxPostsPerDay, 1, 1000);
    }
}

/// <summary>Items: durations, quality, the catalogue present before the first logged day.</summary>
public sealed record CatalogueConfig
{
    /// <summary>Median duration in ms (durations are log-normal: seconds to minutes).</summary>
    public int MedianDurationMs { get; init; } = 20_000;
    /// <summary>Log-normal σ of durations.</summary>
    public double DurationSpread { get; init; } = 0.9;
    public int MinDurationMs { get; init; } = 3_000;
    public int MaxDurationMs { get; init; } = 600_000;
    /// <summary>Standard deviation of an item's quality around its creator's.</summary>
    public double ItemQualitySd { get; init; } = 0.5;
    /// <summary>Probability that an item is in another genre than the creator's focus.</summary>
    public double OffGenreProbability { get; init; } = 0.1;
    /// <summary>Days of posting simulated (without feedback) before the first logged day, so day 0 has a catalogue.</summary>
    public int BacklogDays { get; init; } = 14;

    internal void Validate()
    {
        WorldConfig.Positive("catalogue.median_duration_ms", MedianDurationMs);
        WorldConfig.AtLeast("catalogue.duration_spread", DurationSpread, 0);
        WorldConfig.Positive("catalogue.min_duration_ms", MinDurationMs);
        WorldConfig.AtLeast("catalogue.max_duration_ms", MaxDurationMs, MinDurationMs);
        WorldConfig.AtLeast("catalogue.item_quality_sd", ItemQualitySd, 0);
        WorldConfig.Between("catalogue.off_genre_probability", OffGenreProbability, 0, 1);
        WorldConfig.Between("catalogue.backlog_days", BacklogDays, 0, 365);
    }
}

/// <summary>
/// The logging recommender that stands in for a production user-side system: popularity (rich get richer) mixed
/// with a noisy taste match inside the user's genres.
/// </summary>
public sealed record RecommenderConfig
{
    /// <summary>Share of feed slots filled by global popularity; the rest by noisy taste match. 1 = popularity only.</summary>
    public double PopularityShare { get; init; } = 0.3;
    /// <summary>Exponent α of the sampling weight (prior + decayed clicks)^α.</summary>
    public double PopularityExponent { get; init; } = 1.15;
    /// <summary>Prior popularity of a creator's items per follower (so new items of big creators start ahead).</summary>
    public double FollowerPrior { get; init; } = 0.05;
    /// <summary>Fraction of an item's accumulated clicks kept from one day to the next.</summary>
    public double PopularityDecay { get; init; } = 0.8;
    /// <summary>Items older than this many days are no longer recommended.</summary>
    public int CandidateWindowDays { get; init; } = 30;
    /// <summary>Candidates drawn per taste-matched slot; the best noisy affinity wins.</summary>
    public int TasteCandidates { get; init; } = 4;
    /// <summary>Noise of the recommender's affinity estimate.</summary>
    public double TasteNoise { get; init; } = 0.3;

    internal void Validate()
    {
        WorldConfig.Between("recommender.popularity_share", PopularityShare, 0, 1);
        WorldConfig.Between("recommender.popularity_exponent", PopularityExponent, 0, 4);
        WorldConfig.AtLeast("recommender.follower_prior", FollowerPrior, 0);
        WorldConfig.Between("recommender.popularity_decay", PopularityDecay, 0, 1);
        WorldConfig.Between("recommender.candidate_window_days", CandidateWindowDays, 1, 3650);
        WorldConfig.Between("recommender.taste_candidates", TasteCandidates, 1, 1000);
        WorldConfig.AtLeast("recommender.taste_noise", TasteNoise, 0);
    }
}
