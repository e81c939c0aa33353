namespace Twofold.Models;

/// <summary>
/// One batch for <see cref="MultiTaskNetwork.Forward(MultiTaskInput)"/>, in .NET memory (validated before any tensor is
/// made). The memory may be rented (<see cref="Twofold.Ranking.FeedbackModel"/> predicts from pooled buffers): the
/// network copies what it needs into native tensors and keeps no reference to it after the call.
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
public sealed record MultiTaskInput(int Rows, ReadOnlyMemory<long> Categorical, ReadOnlyMemory<float> Dense, ReadOnlyMemory<long> BagIds,
    ReadOnlyMemory<long> BagRows, ReadOnlyMemory<long>? RowBags = null, RowGroups? Groups = null)
{
    /// <summary>Bags to pool: one per row, or as many as <see cref="RowBags"/> refers to.</summary>
    internal int BagCount => RowBags is not { } rowBags ? Rows : (int)Math.Max(Largest(rowBags.Span) + 1, Largest(BagRows.Span) + 1);

    /// <summary>The largest value, −1 when there is none.</summary>
    internal static long Largest(ReadOnlySpan<long> values)
    {
        var largest = -1L;
        foreach (var value in values) largest = Math.Max(largest, value);
        return largest;
    }

    /// <summary>
    /// The given rows alone, in that order, with the same bags (a grouped batch's first row of each group stands for
    /// its group's shared inputs); without groups.
    /// </summary>
    internal MultiTaskInput SelectRows(ReadOnlySpan<long> rows, MultiTaskNetworkConfig config)
    {
        if (RowBags is null && BagIds.Length > 0)
            throw new InvalidOperationException("Rows with bags of their own are selected only with their bags (RowBags).");
        var (fields, width) = (config.Fields.Count, config.DenseWidth);
        var categorical = new long[rows.Length * fields];
        var dense = new float[rows.Length * width];
        var rowBags = RowBags is null ? null : new long[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            var r = (int)rows[k];
            Categorical.Span.Slice(r * fields, fields).CopyTo(categorical.AsSpan(k * fields));
            Dense.Span.Slice(r * width, width).CopyTo(dense.AsSpan(k * width));
            if (rowBags is not null) rowBags[k] = RowBags!.Value.Span[r];
        }
        return new MultiTaskInput(rows.Length, categorical, dense, BagIds, BagRows, rowBags);
    }

    internal void Validate(MultiTaskNetworkConfig config)
    {
        var fields = config.Fields.Count;
        ArgumentOutOfRangeException.ThrowIfNegative(Rows, nameof(Rows));
        TensorGuard.SameLength(Categorical.Length, (long)Rows * fields, nameof(Categorical), $"{nameof(Rows)} × fields");
        TensorGuard.SameLength(Dense.Length, (long)Rows * config.DenseWidth, nameof(Dense), $"{nameof(Rows)} × dense width");
        TensorGuard.SameLength(BagRows.Length, BagIds.Length, nameof(BagRows), nameof(BagIds));
        var categorical = Categorical.Span;
        for (var r = 0; r < Rows; r++)
            for (var f = 0; f < fields; f++)
            {
                var id = categorical[r * fields + f];
                if ((ulong)id >= (ulong)config.Fields[f].Cardinality)
                    throw new ArgumentException(
                        $"Expected ids of field '{config.Fields[f].Name}' in [0, {config.Fields[f].Cardinality}), actual {id} in row {r}.", nameof(Categorical));
            }
        TensorGuard.Finite(Dense.Span, nameof(Dense));
        if (BagIds.Length > 0 && config.BagField is not { } bag)
            throw new ArgumentException("The network has no bag input, but bag ids were given.", nameof(BagIds));
        if (config.BagField is { } b) TensorGuard.IndexRange(BagIds.Span, config.Fields[b].Cardinality, nameof(BagIds));
        if (RowBags is not { } rowBags)
        {
            TensorGuard.IndexRange(BagRows.Span, Rows, nameof(BagRows));
        }
        else
        {
            TensorGuard.SameLength(rowBags.Length, Rows, nameof(RowBags), nameof(Rows));
            TensorGuard.IndexRange(rowBags.Span, BagCount, nameof(RowBags));
            TensorGuard.IndexRange(BagRows.Span, BagCount, nameof(BagRows));
        }
        Groups?.Validate(this, config);
    }
}
