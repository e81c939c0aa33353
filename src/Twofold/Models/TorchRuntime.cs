using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// Loads TorchSharp's native side once per process. Call <see cref="EnsureLoaded"/> before any use of
/// <c>torch</c>; every type in <c>Twofold.Models</c> does.
/// </summary>
/// <remarks>
/// Where the system libstdc++ lacks <c>GLIBCXX_3.4.32</c> (Debian 12: GCC 12), the build puts
/// <see cref="ShimFileName"/> next to the assembly and retargets the output's libLibTorchSharp.so
/// (see docs/torch.md). The shim defines <c>std::ios_base_library_init()</c>; it must be loaded with
/// <c>RTLD_GLOBAL</c> before libLibTorchSharp.so so that the latter can resolve the symbol from it.
/// </remarks>
public static partial class TorchRuntime
{
    /// <summary>File name of the libstdc++ compatibility shim the build writes next to the assembly.</summary>
    public const string ShimFileName = "libtwofold_iosinit.so";

    private const int RtldNow = 0x002;
    private const int RtldGlobal = 0x100;

    private static readonly Lock Gate = new();
    private static volatile bool _loaded;
    private static InvalidOperationException? _failure;

    /// <summary>Full path of the shim that was loaded, or null when none was needed (not present next to the assembly).</summary>
    public static string? LoadedShimPath { get; private set; }

    /// <summary>
    /// Loads the shim (if present next to the assembly) and TorchSharp's native libraries. Thread-safe and
    /// idempotent; a failure is remembered and rethrown on later calls.
    /// </summary>
    /// <exception cref="InvalidOperationException">The shim or libLibTorchSharp.so cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            if (_failure is not null) throw new InvalidOperationException(_failure.Message, _failure);
            try
            {
                LoadShim();
                LoadTorch();
                NativeHeap.KeepFreedMemory();
                _loaded = true;
            }
            catch (InvalidOperationException e)
            {
                _failure = e;
                throw;
            }
        }
    }

    private static readonly Lock SeedGate = new();

    /// <summary>
    /// Seeds torch's global generator (unless <paramref name="seed"/> is null) and runs <paramref name="initialise"/>
    /// (which draws the initial weights) while no other caller of this method can draw from it, so models built concurrently on different threads (parallel tests,
    /// a server) still get the weights their seed promises. Code that draws from torch's global generator elsewhere
    /// must not run concurrently with it.
    /// </summary>
    public static T Seeded<T>(long? seed, Func<T> initialise)
    {
        EnsureLoaded();
        lock (SeedGate)
        {
            if (seed is { } s) torch.manual_seed(s);
            return initialise();
        }
    }

    /// <summary>
    /// Runs every torch operation whole on the thread that calls it (libtorch's intra-op threads set to one, for the
    /// whole process), for a host whose own threads already keep the cores busy with concurrent requests. Otherwise
    /// each thread that predicts gets an OpenMP team of its own, whose helper thread spins and sleeps around every
    /// operation large enough to split: in the service on two cores, three such helpers took about 1,500 context
    /// switches a second each (bench/README.md, "The kernel's memory monitor beside the service"). A trainer given a
    /// thread count sets it for its run (<see cref="Ranking.FeedbackModelTrainer"/> always, <see cref="TwoTowerTrainer"/>
    /// when its options name one).
    /// </summary>
    public static void RunOperationsOnCallingThreads()
    {
        EnsureLoaded();
        torch.set_num_threads(1);
    }

    private static void LoadShim()
    {
        string shim = Path.Combine(AppContext.BaseDirectory, ShimFileName);
        if (!OperatingSystem.IsLinux() || !File.Exists(shim)) return;
        IntPtr handle = DlOpen(shim, RtldNow | RtldGlobal, out string? error);
        if (handle == IntPtr.Zero)
            throw new InvalidOperationException(
                $"Cannot load the libstdc++ compatibility shim '{shim}' with dlopen(RTLD_NOW | RTLD_GLOBAL): {error ?? "no dlerror text"}. " +
                "TorchSharp's libLibTorchSharp.so needs it on this system; see docs/torch.md.");
        // The handle is intentionally never closed: the symbol must stay resolvable for the process lifetime.
        LoadedShimPath = shim;
    }

    private static void LoadTorch()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using Tensor probe = torch.ones(1);
        }
        catch (Exception e)
        {
            string shimState = LoadedShimPath is not null
                ? $"shim loaded from '{LoadedShimPath}'"
                : $"no shim at '{Path.Combine(AppContext.BaseDirectory, ShimFileName)}'";
            throw new InvalidOperationException(
                $"TorchSharp could not load its native library libLibTorchSharp.so ({shimState}): {e.Message} " +
                "If the loader reports 'GLIBCXX_3.4.32 not found', the build output was not patched; see docs/torch.md.", e);
        }
    }

    private static IntPtr DlOpen(string path, int flags, out string? error)
    {
        IntPtr handle;
        try
        {
            handle = LibC.dlopen(path, flags);
            error = handle == IntPtr.Zero ? Marshal.PtrToStringUTF8(LibC.dlerror()) : null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // glibc before 2.34 keeps dlopen in libdl.
            handle = LibDl.dlopen(path, flags);
            error = handle == IntPtr.Zero ? Marshal.PtrToStringUTF8(LibDl.dlerror()) : null;
        }
        return handle;
    }

    private static partial class LibC
    {
        [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr dlopen(string fileName, int flags);

        [LibraryImport("libc.so.6")]
        internal static partial IntPtr dlerror();
    }

    private static partial class LibDl
    {
        [LibraryImport("libdl.so.2", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr dlopen(string fileName, int flags);

        [LibraryImport("libdl.so.2")]
        internal static partial IntPtr dlerror();
    }
}
