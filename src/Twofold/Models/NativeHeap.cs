using System.Runtime.InteropServices;

namespace Twofold.Models;

/// <summary>
/// Keeps freed native memory in the process instead of returning it to the kernel after every tensor, on glibc.
/// </summary>
/// <remarks>
/// libtorch allocates each tensor and MKL each GEMM's packing buffer with malloc. With glibc's defaults, blocks of a
/// few hundred kilobytes and up are mapped and unmapped (or trimmed from the heap top) on every forward pass, and each
/// reuse faults in fresh zeroed pages: profiling creator-side dispatch at 1,000,000 users (perf, bench/README.md)
/// found 44% of the CPU in the kernel's page-fault and unmap paths. Raising the mmap threshold to its largest value
/// (32 MB on 64-bit) and the trim threshold to 512 MB lets those blocks be reused from the heap, as the allocators
/// recommended for PyTorch on CPU (jemalloc, tcmalloc) do; the cost is that up to 512 MB of freed memory per heap may
/// stay resident. Elsewhere than glibc this does nothing.
/// </remarks>
internal static partial class NativeHeap
{
    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    /// <summary>Applies the settings (a tuning: if glibc refuses one, its default stays, which is only slower).</summary>
    internal static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapThreshold, 32 * 1024 * 1024);
            mallopt(TrimThreshold, 512 * 1024 * 1024);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc (musl has no mallopt tuning): keep its defaults
        }
    }

    private const long HugePage = 2 * 1024 * 1024;
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const int MadviseCollapse = 25; // MADV_COLLAPSE (Linux 6.1)

    /// <summary>
    /// Asks Linux to back the whole 2 MB pages inside a block with huge pages, now (the block's contents are kept).
    /// For a large table read at random rows: with 4 KB pages nearly every row of a 64 MB embedding table missed the
    /// TLB, and its page walk stalled the kernel's prefetch of the row (a fifth of the heads kernel's time in
    /// creator-side dispatch). A tuning: where the system does not allow it (other kernels, transparent huge pages
    /// off), the block keeps its pages and only runs slower.
    /// </summary>
    internal static unsafe void PreferHugePages(void* start, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < HugePage) return;
        var first = ((long)start + HugePage - 1) & ~(HugePage - 1);
        var end = ((long)start + bytes) & ~(HugePage - 1);
        if (end <= first) return;
        try
        {
            // Later faults of the range get huge pages (khugepaged keeps them so); the collapse converts the pages
            // already there at once rather than whenever khugepaged comes by.
            _ = madvise((void*)first, (nuint)(end - first), MadviseHugePage);
            _ = madvise((void*)first, (nuint)(end - first), MadviseCollapse);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc: no change
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);

    [LibraryImport("libc.so.6", EntryPoint = "madvise")]
    private static unsafe partial int madvise(void* start, nuint length, int advice);
}
