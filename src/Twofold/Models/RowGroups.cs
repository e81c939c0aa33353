namespace Twofold.Models;

/// <summary>
/// Rows of a <see cref="MultiTaskInput"/> that are equal in every input except one categorical field: the candidate
/// users of one item on the creator side share the item, its creator, genre, context, recent users and statistics.
/// The first layer is linear, W x = W_v x_v + W_s x_s, so <see cref="MultiTaskNetwork"/> computes W_s x_s once per
/// group and only W_v x_v per row; the result is the same function as without groups (up to float rounding).
/// </summary>
/// <param name="VaryingField">The categorical field in which rows of a group may differ.</param>
/// <param name="GroupOfRow">The group of each row, 0 … groups − 1, every group with at least one row.</param>
public sealed record RowGroups(int VaryingField, ReadOnlyMemory<long> GroupOfRow)
{
    /// <summary>Number of groups.</summary>
    public int Count => (int)MultiTaskInput.Largest(GroupOfRow.Span) + 1;

    /// <summary>The first row of each group: the one whose shared inputs stand for the group.</summary>
    internal long[] FirstRows()
    {
        var first = new long[Count];
        Array.Fill(first, -1);
        var groupOfRow = GroupOfRow.Span;
        for (var r = 0; r < groupOfRow.Length; r++)
            if (first[groupOfRow[r]] < 0) first[groupOfRow[r]] = r;
        return first;
    }

    /// <summary>
    /// Checks the promise the grouping makes: rows of a group are equal in every other field, in the dense features
    /// and in their bag (so a wrong grouping is refused instead of silently scoring the wrong inputs).
    /// </summary>
    internal void Validate(MultiTaskInput input, MultiTaskNetworkConfig config)
    {
        var fields = config.Fields.Count;
        if ((uint)VaryingField >= (uint)fields)
            throw new ArgumentException($"The varying field {VaryingField} is not one of the {fields} fields.", nameof(MultiTaskInput.Groups));
        TensorGuard.SameLength(GroupOfRow.Length, input.Rows, nameof(GroupOfRow), nameof(input.Rows));
        var groupOfRow = GroupOfRow.Span;
        TensorGuard.IndexRange(groupOfRow, input.Rows, nameof(GroupOfRow));
        if (config.BagField is not null && input.RowBags is null && input.Rows > 0)
            throw new ArgumentException("Grouped rows must share their bags: give RowBags.", nameof(MultiTaskInput.Groups));
        var first = FirstRows();
        var empty = Array.IndexOf(first, -1L);
        if (empty >= 0) throw new ArgumentException($"Group {empty} has no row.", nameof(GroupOfRow));
        var width = config.DenseWidth;
        var categorical = input.Categorical.Span;
        var dense = input.Dense.Span;
        var bags = input.RowBags is { } rowBags ? rowBags.Span : default;
        for (var r = 0; r < input.Rows; r++)
        {
            var f = (int)first[groupOfRow[r]];
            if (f == r) continue;
            for (var k = 0; k < fields; k++)
                if (k != VaryingField && categorical[r * fields + k] != categorical[f * fields + k])
                    throw new ArgumentException($"Row {r} differs from row {f} of its group in field '{config.Fields[k].Name}'.", nameof(GroupOfRow));
            if (!dense.Slice(r * width, width).SequenceEqual(dense.Slice(f * width, width)))
                throw new ArgumentException($"Row {r} differs from row {f} of its group in the dense features.", nameof(GroupOfRow));
            if (!bags.IsEmpty && bags[r] != bags[f])
                throw new ArgumentException($"Row {r} differs from row {f} of its group in its bag.", nameof(GroupOfRow));
        }
    }
}
