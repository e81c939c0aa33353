using Microsoft.Data.Sqlite;

namespace Twofold.Storage;

/// <summary>
/// Copies an SQLite file's write-ahead log back into the database on a connection and thread of its own, so that
/// commits never do it. SQLite's automatic checkpoint runs inside the commit that crosses its threshold: at a thousand
/// reservations a second that was one commit a second writing and syncing a few megabytes while every reservation
/// queued behind it waited. The writer turns the automatic checkpoint off; this one runs a passive checkpoint at a
/// fixed interval, which never blocks writers or readers (it copies what no reader still needs and leaves the rest for
/// the next round).
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Timer _timer;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private bool _disposed;
    private int _completed;

    public WalCheckpointer(string connectionString, TimeSpan interval)
    {
        _interval = interval;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        // FULL makes the checkpoint sync the database file before the log may be reused, as the commits' setting does.
        using (var pragma = _connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = FULL";
            pragma.ExecuteNonQuery();
        }
        _timer = new Timer(_ => Run(), null, interval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Checkpoints run so far.</summary>
    public int Completed => Volatile.Read(ref _completed);

    private void Run()
    {
        lock (_gate)
        {
            if (_disposed) return;
            try
            {
                using var checkpoint = _connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                checkpoint.ExecuteNonQuery();
                Interlocked.Increment(ref _completed);
            }
            catch (SqliteException)
            {
                // A checkpoint that cannot run now (the file busy in another process's exclusive use) runs next round;
                // nothing is lost meanwhile, the log only grows.
            }
            // Re-armed after each round rather than periodic, so rounds never overlap however long one takes.
            _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _timer.Dispose();
            _connection.Dispose();
        }
    }
}
