namespace Twofold.Data;

/// <summary>
/// Runs Parquet.Net's asynchronous calls from the synchronous streaming APIs. The work runs on the thread pool so
/// that blocking on it cannot deadlock a caller that owns a single-threaded synchronisation context.
/// </summary>
internal static class Sync
{
    public static void Run(Func<Task> work) => Task.Run(work).GetAwaiter().GetResult();

    public static void Close(IAsyncDisposable disposable) => Run(() => disposable.DisposeAsync().AsTask());

    public static T Run<T>(Func<Task<T>> work) => Task.Run(work).GetAwaiter().GetResult();
}
