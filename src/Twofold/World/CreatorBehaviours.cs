namespace Twofold.World;

/// <summary>Which creator behaviour model a world runs, and its parameters (JSON <c>creator_behaviour</c>).</summary>
public sealed record CreatorBehaviourConfig
{
    /// <summary>One of <see cref="CreatorBehaviours.Names"/>.</summary>
    public string Model { get; init; } = CreatorBehaviours.PostingResponse;

    /// <summary>How many days of their own items creators remember (history's genre, CFD's gradient, SimuLine's sampling, LBR's utility).</summary>
    public int HistoryDays { get; init; } = 7;

    /// <summary>CFD: learning rate η of s ← normalize(s + η ĝ).</summary>
    public double CfdLearningRate { get; init; } = 0.02;

    /// <summary>SimuLine: κ added to every remembered item's clicks when sampling what to vary.</summary>
    public double SimulinePrior { get; init; } = 1;

    /// <summary>LBR: step η of the trial strategy s + η g (Algorithm 2; 0.2 in the welfare paper's experiments).</summary>
    public double LbrStep { get; init; } = 0.2;

    /// <summary>Suggestion following: mean μ of the truncated Gaussian of trust degrees (LoRe §5.2: 0.5).</summary>
    public double TrustMean { get; init; } = 0.5;

    /// <summary>Suggestion following: σ of the truncated Gaussian of trust degrees (LoRe §5.2: σ² = 1.0).</summary>
    public double TrustSd { get; init; } = 1.0;

    /// <summary>Suggestion following: trust rises or falls with the clicks following brought (LoRe §5.4).</summary>
    public bool TrustDynamics { get; init; }

    /// <summary>Suggestion following: the creators' own model when they do not follow.</summary>
    public string OwnModel { get; init; } = CreatorBehaviours.SimuLine;

    internal void Validate()
    {
        if (!CreatorBehaviours.Names.Contains(Model))
            throw new ArgumentException($"creator_behaviour.model must be one of {string.Join(", ", CreatorBehaviours.Names)} (got '{Model}').");
        if (OwnModel == CreatorBehaviours.SuggestionFollowing || !CreatorBehaviours.Names.Contains(OwnModel))
            throw new ArgumentException($"creator_behaviour.own_model must be one of {string.Join(", ", CreatorBehaviours.Names.Where(n => n != CreatorBehaviours.SuggestionFollowing))} (got '{OwnModel}').");
        WorldConfig.Between("creator_behaviour.history_days", HistoryDays, 1, 365);
        WorldConfig.Between("creator_behaviour.cfd_learning_rate", CfdLearningRate, 0, 100);
        WorldConfig.AtLeast("creator_behaviour.simuline_prior", SimulinePrior, 0);
        WorldConfig.Between("creator_behaviour.lbr_step", LbrStep, 0, 10);
        WorldConfig.Between("creator_behaviour.trust_mean", TrustMean, 0, 1);
        WorldConfig.Between("creator_behaviour.trust_sd", TrustSd, 0, 100);
    }
}

/// <summary>Builds the creator behaviour model a config names.</summary>
public static class CreatorBehaviours
{
    public const string PostingResponse = "posting-response";
    public const string Cfd = "cfd";
    public const string SimuLine = "simuline";
    public const string Lbr = "lbr";
    public const string History = "history";
    public const string SuggestionFollowing = "suggestion-following";

    public static IReadOnlyList<string> Names { get; } = [PostingResponse, History, Cfd, SimuLine, Lbr, SuggestionFollowing];

    /// <param name="suggestions">The platform's suggestions, for <c>suggestion-following</c>; none when null.</param>
    public static ICreatorBehaviour Create(WorldConfig config, ICreatorSuggestions? suggestions = null)
    {
        var b = config.CreatorBehaviour;
        return b.Model == SuggestionFollowing
            ? new SuggestionFollowingBehaviour(config, Build(config, b.OwnModel), suggestions ?? NoSuggestions.Instance)
            : Build(config, b.Model);
    }

    private static ICreatorBehaviour Build(WorldConfig config, string model) => model switch
    {
        PostingResponse => new PostingResponseBehaviour(config),
        History => new HistoryBehaviour(config),
        Cfd => new CfdBehaviour(config),
        SimuLine => new SimuLineBehaviour(config),
        Lbr => new LocalBetterResponseBehaviour(config),
        _ => throw new ArgumentException($"Unknown creator behaviour model '{model}'; known: {string.Join(", ", Names)}."),
    };
}
