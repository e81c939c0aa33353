namespace Twofold.Models;

/// <summary>How the tasks of a <see cref="MultiTaskNetwork"/> share their bottom layers.</summary>
public enum MultiTaskArchitecture
{
    /// <summary>Multi-gate mixture of experts (Ma et al. 2018): E experts, a softmax gate and a tower per task.</summary>
    Mmoe,
    /// <summary>One shared bottom network feeding a tower per task (MMoE with a single expert and no gates).</summary>
    SharedBottom,
}

/// <summary>One categorical input of a <see cref="MultiTaskNetwork"/>: an embedding table of <c>Cardinality</c> rows.</summary>
public sealed record CategoricalField(string Name, int Cardinality, int Dimension);

/// <summary>
/// The shape of a <see cref="MultiTaskNetwork"/>. The input of every row is the concatenation of one embedding per
/// categorical field, optionally the mean of a bag of ids looked up in one field's table, and the dense features.
/// </summary>
/// <param name="BagField">Index of the categorical field whose table the bag's ids are looked up in; null: no bag.</param>
/// <param name="Experts">Expert count for <see cref="MultiTaskArchitecture.Mmoe"/> (ignored for the shared bottom).</param>
public sealed record MultiTaskNetworkConfig(
    IReadOnlyList<CategoricalField> Fields,
    int DenseWidth,
    int? BagField,
    int Tasks,
    MultiTaskArchitecture Architecture = MultiTaskArchitecture.Mmoe,
    int Experts = 3,
    int ExpertHidden = 64,
    int ExpertOutput = 32,
    int TowerHidden = 16)
{
    public int ExpertCount => Architecture == MultiTaskArchitecture.SharedBottom ? 1 : Experts;

    /// <summary>The first column of <paramref name="field"/>'s embedding in the input x.</summary>
    public int FieldOffset(int field) => Fields.Take(field).Sum(f => f.Dimension);

    public int InputWidth => Fields.Sum(f => f.Dimension) + (BagField is { } b ? Fields[b].Dimension : 0) + DenseWidth;

    public void Validate()
    {
        if (Fields.Count == 0) throw new ArgumentException("At least one categorical field is needed.", nameof(Fields));
        foreach (var f in Fields)
        {
            if (f.Cardinality < 1) throw new ArgumentException($"Field '{f.Name}' needs at least one row, not {f.Cardinality}.", nameof(Fields));
            if (f.Dimension < 1) throw new ArgumentException($"Field '{f.Name}' needs a positive dimension, not {f.Dimension}.", nameof(Fields));
        }
        if (DenseWidth < 0) throw new ArgumentException($"The dense width must not be negative, not {DenseWidth}.", nameof(DenseWidth));
        if (BagField is { } bag && (uint)bag >= (uint)Fields.Count)
            throw new ArgumentException($"The bag field {bag} is not one of the {Fields.Count} fields.", nameof(BagField));
        if (Tasks < 1) throw new ArgumentException($"At least one task is needed, not {Tasks}.", nameof(Tasks));
        if (Experts < 1) throw new ArgumentException($"At least one expert is needed, not {Experts}.", nameof(Experts));
        if (ExpertHidden < 1 || ExpertOutput < 1 || TowerHidden < 1)
            throw new ArgumentException($"Layer widths must be positive (expert {ExpertHidden}/{ExpertOutput}, tower {TowerHidden}).");
    }
}
