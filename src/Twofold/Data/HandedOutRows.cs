namespace Twofold.Data;

/// <summary>
/// How many rows of a set of append-only buffers are handed out, shared by every instance that reads those buffers
/// (grown content lists, content rows, item embeddings). An instance may append in place only when it is the longest
/// handed out (<see cref="IsLatest"/>) and the buffers have room; otherwise it copies into buffers with a mark of their
/// own, so rows an earlier instance reads are never overwritten. Callers hold the mark's lock while they decide and append.
/// </summary>
internal sealed class HandedOutRows(int rows)
{
    public int Rows { get; set; } = rows;

    /// <summary>Whether an instance of <paramref name="rows"/> rows is the longest handed out from these buffers.</summary>
    public bool IsLatest(int rows) => Rows == rows;
}
