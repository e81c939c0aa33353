namespace Twofold.Data;

/// <summary>
/// Row-major float rows of one width and one value per row (an item's embedding and whether it has one, a content row
/// and its item id): the append-only buffers of a growing catalogue, handed out through <see cref="HandedOutRows{TBuffers}"/>.
/// </summary>
internal sealed record RowsWithValues<T>(float[] Rows, T[] Values)
{
    /// <summary>Rows (and values) for none.</summary>
    public static RowsWithValues<T> Empty { get; } = new([], []);

    /// <summary>How many rows the buffers hold room for.</summary>
    public int Capacity => Values.Length;

    /// <summary>The first <paramref name="count"/> rows of <paramref name="dimension"/> floats and their values, in buffers with room for <paramref name="capacity"/>.</summary>
    public RowsWithValues<T> Copy(int count, int dimension, int capacity)
    {
        var copy = new RowsWithValues<T>(new float[capacity * dimension], new T[capacity]);
        Rows.AsSpan(0, count * dimension).CopyTo(copy.Rows);
        Values.AsSpan(0, count).CopyTo(copy.Values);
        return copy;
    }
}
