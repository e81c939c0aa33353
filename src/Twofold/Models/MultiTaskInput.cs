using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// One batch for <see cref="MultiTaskNetwork.Forward(MultiTaskInput)"/>, as .NET arrays (validated before any tensor is made).
/// </summary>
/// <param name="Rows">Batch size B.</param>
/// <param name="Categorical">Row-major [B, fields]: the id of each row in each field's table.</param>
/// <param name="Dense">Row-major [B, dense width].</param>
/// <param name="BagIds">Ids of the bag field's table, all bags concatenated.</param>
/// <param name="BagRows">The row each bag id belongs to, aligned with <paramref name="BagIds"/>; rows without ids pool to zeros.
/// With <paramref name="RowBags"/>, the bag (not the row) each id belongs to.</param>
/// <param name="RowBags">Optional: the bag of each row, when rows share bags (every candidate of one item has that
/// item's recent users), so each distinct bag is pooled once; null when each row has its own bag.</param>
/// <param name="Groups">Optional: rows that differ only in one field (every candidate user of one new item), so the
/// part of the first layer that reads the other inputs is computed once per group; null: every row alone.</param>
public sealed record MultiTaskInput(int Rows, long[] Categorical, float[] Dense, long[] BagIds, long[] BagRows, long[]? RowBags = null,
    RowGroups? Groups = null)
{
    /// <summary>Bags to pool: one per row, or as many as <see cref="RowBags"/> refers to.</summary>
    internal int BagCount => RowBags is null ? Rows : (int)Math.Max(RowBags.Length == 0 ? 0 : RowBags.Max() + 1, BagRows.Length == 0 ? 0 : BagRows.Max() + 1);

    internal void Validate(MultiTaskNetworkConfig config)
    {
        var fields = config.Fields.Count;
        ArgumentOutOfRangeException.ThrowIfNegative(Rows, nameof(Rows));
        TensorGuard.SameLength(Categorical.Length, (long)Rows * fields, nameof(Categorical), $"{nameof(Rows)} × fields");
        TensorGuard.SameLength(Dense.Length, (long)Rows * config.DenseWidth, nameof(Dense), $"{nameof(Rows)} × dense width");
        TensorGuard.SameLength(BagRows.Length, BagIds.Length, nameof(BagRows), nameof(BagIds));
        for (var r = 0; r < Rows; r++)
            for (var f = 0; f < fields; f++)
            {
                var id = Categorical[r * fields + f];
                if ((ulong)id >= (ulong)config.Fields[f].Cardinality)
                    throw new ArgumentException(
                        $"Expected ids of field '{config.Fields[f].Name}' in [0, {config.Fields[f].Cardinality}), actual {id} in row {r}.", nameof(Categorical));
            }
        TensorGuard.Finite(Dense, nameof(Dense));
        if (BagIds.Length > 0 && config.BagField is not { } bag)
            throw new ArgumentException("The network has no bag input, but bag ids were given.", nameof(BagIds));
        if (config.BagField is { } b) TensorGuard.IndexRange(BagIds, config.Fields[b].Cardinality, nameof(BagIds));
        if (RowBags is null)
        {
            TensorGuard.IndexRange(BagRows, Rows, nameof(BagRows));
        }
        else
        {
            TensorGuard.SameLength(RowBags.Length, Rows, nameof(RowBags), nameof(Rows));
            TensorGuard.IndexRange(RowBags, BagCount, nameof(RowBags));
            TensorGuard.IndexRange(BagRows, BagCount, nameof(BagRows));
        }
        Groups?.Validate(this, config);
    }
}
