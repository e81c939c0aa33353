using Twofold.Pipeline;

namespace Twofold.Server.Serving;

/// <summary>
/// A model bundle shared by the requests in flight: each request holds a reference while it serves, and a bundle
/// replaced by a reload is disposed (its native models freed) only when the last of them has finished — the reload
/// needs no downtime and no request ever runs on freed models.
/// </summary>
internal sealed class BundleHandle(ModelBundle bundle)
{
    private int _references = 1; // the service's own, given up by Retire

    public ModelBundle Bundle { get; } = bundle;

    /// <summary>Takes a reference unless the bundle is already being freed.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var now = Volatile.Read(ref _references);
            if (now == 0) return false;
            if (Interlocked.CompareExchange(ref _references, now + 1, now) == now) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Bundle.Dispose();
    }

    /// <summary>The service stops using this bundle; it is freed once the requests holding it are done.</summary>
    public void Retire() => Release();
}
