namespace Twofold.Data;

/// <summary>
/// How many rows of a set of append-only buffers are handed out, and the buffers the next append goes to, shared by
/// every instance that reads those buffers (grown content lists, content rows, item embeddings). An instance may append
/// in place only when it is the longest handed out (<see cref="IsLatest"/>) and <see cref="Buffers"/> have room;
/// otherwise it copies into buffers with a mark of their own, so rows an earlier instance reads are never overwritten.
/// Callers hold the mark's lock while they decide and append.
/// </summary>
/// <remarks>
/// <see cref="Buffers"/> are the latest instance's own, or copies of its rows with more room made ahead of the appends
/// (the owners' <c>ReserveRoom</c>: a service makes them before it serves, so its first upload does not copy a
/// catalogue's worth of rows); their first <see cref="Rows"/> rows are the same either way.
/// </remarks>
internal sealed class HandedOutRows<TBuffers>(int rows, TBuffers buffers) where TBuffers : class
{
    public int Rows { get; set; } = rows;

    /// <summary>The buffers the latest instance's appends write into.</summary>
    public TBuffers Buffers { get; set; } = buffers;

    /// <summary>Whether an instance of <paramref name="rows"/> rows is the longest handed out from these buffers.</summary>
    public bool IsLatest(int rows) => Rows == rows;
}
