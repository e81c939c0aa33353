using Microsoft.Data.Sqlite;

namespace Twofold.Storage;

/// <summary>
/// What a committed SQLite transaction survives, under write-ahead logging. The choice trades each commit's wait for
/// the device against what a crash of the whole machine may take back.
/// </summary>
public enum SqliteDurability
{
    /// <summary>
    /// <c>synchronous = FULL</c>: each commit waits until the log is on the device (an fsync), so a committed
    /// transaction survives a crash of the process, of the operating system and a power loss. The default.
    /// </summary>
    Full,

    /// <summary>
    /// <c>synchronous = NORMAL</c>: a commit is written to the log without waiting for the device; the log reaches the
    /// device at each checkpoint. A committed transaction survives a crash or kill of the process (the operating system
    /// holds the write), but an operating-system crash or power loss may take back the last commits, never leaving a
    /// transaction half applied.
    /// </summary>
    Normal,
}

/// <summary>The pragma of each durability, for every SQLite connection of the project (the stores' and the service's).</summary>
public static class SqliteDurabilityPragma
{
    /// <summary>The <c>PRAGMA synchronous</c> statement that sets <paramref name="durability"/> on a connection.</summary>
    public static string Statement(this SqliteDurability durability) => durability switch
    {
        SqliteDurability.Full => "PRAGMA synchronous = FULL;",
        SqliteDurability.Normal => "PRAGMA synchronous = NORMAL;",
        _ => throw new ArgumentOutOfRangeException(nameof(durability), durability, "Unknown durability."),
    };

    /// <summary>The connection's <c>PRAGMA synchronous</c> as SQLite reports it (1 = NORMAL, 2 = FULL).</summary>
    public static long Synchronous(SqliteConnection connection)
    {
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous";
        return (long)pragma.ExecuteScalar()!;
    }
}
