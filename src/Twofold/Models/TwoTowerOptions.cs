using Twofold.Domain;
using Twofold.Graph;

namespace Twofold.Models;

/// <summary>Which softmax losses train the towers; both is the mirrored default.</summary>
[Flags]
public enum TwoTowerDirections
{
    /// <summary>The user is the query, items are the candidates (user-side retrieval, DualRec eq. 7).</summary>
    UserToItem = 1,
    /// <summary>The item is the query, users are the candidates (creator-side retrieval, DualRec eq. 8).</summary>
    ItemToUser = 2,
    Both = UserToItem | ItemToUser,
}

/// <summary>
/// Hyper-parameters of <see cref="TwoTowerTrainer"/>. Every field has a default that trains the default small
/// world well; <see cref="Validate"/> names the first bad field.
/// </summary>
public sealed record TwoTowerOptions
{
    /// <summary>Interactions carrying any of these feedback kinds are positives. Defaults to the graph's definition.</summary>
    public Feedback Positive { get; init; } = GraphOptions.Default.Positive;

    /// <summary>Width of the id and feature embeddings that feed each tower.</summary>
    public int EmbeddingDim { get; init; } = 64;

    /// <summary>Width of the hidden layer of each tower's MLP.</summary>
    public int HiddenDim { get; init; } = 128;

    /// <summary>Width d of the L2-normalised output embeddings (the vector indexes' dimension).</summary>
    public int OutputDim { get; init; } = 64;

    /// <summary>Use the item's creator id as an item feature.</summary>
    public bool UseCreator { get; init; } = true;

    /// <summary>Use the item's genre as an item feature.</summary>
    public bool UseGenre { get; init; } = true;

    /// <summary>Softmax temperature τ: logits are cosine similarities divided by τ.</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>Subtract log Q(candidate), its estimated sampling probability, from every logit (Yi et al. 2019).</summary>
    public bool LogQCorrection { get; init; } = true;

    /// <summary>Which softmax losses are summed (user→item, item→user or both).</summary>
    public TwoTowerDirections Directions { get; init; } = TwoTowerDirections.Both;

    /// <summary>Extra negatives per batch drawn uniformly from the candidate side of each loss (0 = in-batch only).</summary>
    public int RandomNegatives { get; init; }

    /// <summary>Positives per training batch (and in-batch negatives per query, minus one).</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Adam step size.</summary>
    public double LearningRate { get; init; } = 0.003;

    /// <summary>Most passes over the training positives.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>
    /// When set, each epoch trains on at most this many positives: the first ones of that epoch's shuffle, so every
    /// epoch sees another seeded sample (the ranker's <c>MaxSamples</c> caps its impressions likewise). Null, the
    /// default, trains on every positive each epoch. Bounds the cost of a fit on a large log.
    /// </summary>
    public int? MaxPositivesPerEpoch { get; init; }

    /// <summary>Stop after this many epochs without a better validation recall (the best epoch's weights are kept).</summary>
    public int Patience { get; init; } = 3;

    /// <summary>The last this many days of the log are held out for validation; 0 trains on everything without validation.</summary>
    public int ValidationDays { get; init; } = 1;

    /// <summary>K of the validation recall@K.</summary>
    public int RecallK { get; init; } = 50;

    /// <summary>Seed of the weight initialisation, the shuffling and the random negatives.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Sets torch's intra-op thread count for the fit when given (a process-wide setting); null leaves it.</summary>
    public int? Threads { get; init; }

    /// <summary>Checks every field; throws an <see cref="ArgumentException"/> naming the first bad one.</summary>
    public TwoTowerOptions Validate()
    {
        if (Positive == Feedback.None) throw Bad(nameof(Positive), "must name at least one feedback kind", Positive);
        AtLeast(nameof(EmbeddingDim), EmbeddingDim, 1);
        AtLeast(nameof(HiddenDim), HiddenDim, 1);
        AtLeast(nameof(OutputDim), OutputDim, 1);
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw Bad(nameof(Temperature), "must be a positive finite number", Temperature);
        if (Directions == 0 || (Directions & ~TwoTowerDirections.Both) != 0)
            throw Bad(nameof(Directions), "must be UserToItem, ItemToUser or Both", Directions);
        AtLeast(nameof(RandomNegatives), RandomNegatives, 0);
        AtLeast(nameof(BatchSize), BatchSize, 2);
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw Bad(nameof(LearningRate), "must be a positive finite number", LearningRate);
        AtLeast(nameof(Epochs), Epochs, 1);
        if (MaxPositivesPerEpoch is < 2) throw Bad(nameof(MaxPositivesPerEpoch), "must be at least 2 when set", MaxPositivesPerEpoch);
        AtLeast(nameof(Patience), Patience, 1);
        AtLeast(nameof(ValidationDays), ValidationDays, 0);
        AtLeast(nameof(RecallK), RecallK, 1);
        AtLeast(nameof(Seed), Seed, 0);
        if (Threads is < 1) throw Bad(nameof(Threads), "must be at least 1 when set", Threads);
        return this;
    }

    private static void AtLeast(string field, long value, long min)
    {
        if (value < min) throw Bad(field, $"must be at least {min}", value);
    }

    private static ArgumentException Bad(string field, string rule, object? value) =>
        new($"TwoTowerOptions.{field} {rule} (got {value}).", field);
}
