namespace Twofold.Models;

/// <summary>
/// Rows of a <see cref="MultiTaskInput"/> that are equal in some of their inputs: the candidate users of one item on
/// the creator side share the item, its creator, genre, context, recent users and statistics, and vary only in the
/// user; the candidate items of one user in a feed share the user and the context, and vary in everything of the item.
/// The first layer is linear, W x = W_v x_v + W_s x_s, so <see cref="MultiTaskNetwork"/> computes W_s x_s once per
/// group and only W_v x_v per row; the result is the same function as without groups (up to float rounding).
/// </summary>
/// <param name="VaryingFields">The categorical fields in which rows of a group may differ.</param>
/// <param name="GroupOfRow">The group of each row, 0 … groups − 1, every group with at least one row.</param>
/// <param name="SharesBagAndDense">Whether rows of a group share their bag and dense features too (else those vary per row).</param>
public sealed record RowGroups(IReadOnlyList<int> VaryingFields, long[] GroupOfRow, bool SharesBagAndDense = true)
{
    /// <summary>Rows that differ only in <paramref name="varyingField"/> (their bag and dense features shared).</summary>
    public RowGroups(int varyingField, long[] groupOfRow) : this([varyingField], groupOfRow)
    {
    }

    /// <summary>Number of groups.</summary>
    public int Count => GroupOfRow.Length == 0 ? 0 : (int)GroupOfRow.Max() + 1;

    /// <summary>The first row of each group: the one whose shared inputs stand for the group.</summary>
    internal long[] FirstRows()
    {
        var first = new long[Count];
        Array.Fill(first, -1);
        for (var r = 0; r < GroupOfRow.Length; r++)
            if (first[GroupOfRow[r]] < 0) first[GroupOfRow[r]] = r;
        return first;
    }

    /// <summary>
    /// Checks the promise the grouping makes: rows of a group are equal in every field but the varying ones, and in
    /// their dense features and bag when those are shared (so a wrong grouping is refused instead of silently scoring
    /// the wrong inputs).
    /// </summary>
    internal void Validate(MultiTaskInput input, MultiTaskNetworkConfig config)
    {
        var fields = config.Fields.Count;
        if (VaryingFields.Count == 0 || VaryingFields.Distinct().Count() != VaryingFields.Count)
            throw new ArgumentException("Grouped rows need at least one varying field, each named once.", nameof(MultiTaskInput.Groups));
        foreach (var field in VaryingFields)
            if ((uint)field >= (uint)fields)
                throw new ArgumentException($"The varying field {field} is not one of the {fields} fields.", nameof(MultiTaskInput.Groups));
        var sharedWidth = Enumerable.Range(0, fields).Where(f => !VaryingFields.Contains(f)).Sum(f => config.Fields[f].Dimension)
                          + (SharesBagAndDense ? config.InputWidth - config.FieldOffset(fields) : 0);
        if (sharedWidth == 0) throw new ArgumentException("Grouped rows must share some input; these vary in all of them.", nameof(MultiTaskInput.Groups));
        TensorGuard.SameLength(GroupOfRow.Length, input.Rows, nameof(GroupOfRow), nameof(input.Rows));
        TensorGuard.IndexRange(GroupOfRow, input.Rows, nameof(GroupOfRow));
        if (SharesBagAndDense && config.BagField is not null && input.RowBags is null && input.Rows > 0)
            throw new ArgumentException("Grouped rows must share their bags: give RowBags.", nameof(MultiTaskInput.Groups));
        var first = FirstRows();
        var empty = Array.IndexOf(first, -1L);
        if (empty >= 0) throw new ArgumentException($"Group {empty} has no row.", nameof(GroupOfRow));
        var shared = Enumerable.Range(0, fields).Where(f => !VaryingFields.Contains(f)).ToArray();
        var width = config.DenseWidth;
        for (var r = 0; r < input.Rows; r++)
        {
            var f = (int)first[GroupOfRow[r]];
            if (f == r) continue;
            foreach (var k in shared)
                if (input.Categorical[r * fields + k] != input.Categorical[f * fields + k])
                    throw new ArgumentException($"Row {r} differs from row {f} of its group in field '{config.Fields[k].Name}'.", nameof(GroupOfRow));
            if (!SharesBagAndDense) continue;
            if (!input.Dense.AsSpan(r * width, width).SequenceEqual(input.Dense.AsSpan(f * width, width)))
                throw new ArgumentException($"Row {r} differs from row {f} of its group in the dense features.", nameof(GroupOfRow));
            if (input.RowBags is { } bags && bags[r] != bags[f])
                throw new ArgumentException($"Row {r} differs from row {f} of its group in its bag.", nameof(GroupOfRow));
        }
    }
}
