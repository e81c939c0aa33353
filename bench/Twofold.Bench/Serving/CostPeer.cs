using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Twofold.Server.Api;
using Twofold.Server.Serving;

namespace Twofold.Bench.Serving;

/// <summary>
/// A peer for `bench/serve/run.sh`: an HTTP server with the service's shape and a fixed cost per request instead of a
/// recommender. Feeds go to the service's own batch workers (<see cref="BatchWorkers{T}"/>, a thread per core, up to
/// <see cref="FeedBatcher.MaxBatch"/> a batch), uploads to one dispatcher thread, answers go back through the thread
/// pool, and the bodies are the service's contracts (<see cref="FeedResponse"/>, <see cref="DispatchResponse"/>) with
/// the same field names, so the same wrk scripts drive it. Each feed and each upload then costs its thread a given
/// number of microseconds of CPU (the thread's own CPU clock, so a request preempted midway still costs the same),
/// spent reading random bytes of a table of the given size (so the work misses the caches and its pages are as
/// exposed to the kernel's page sampling as a loaded model's) or, with no table, in arithmetic.
/// </summary>
/// <remarks>
/// The costs can be changed while it runs (<c>POST /costs?feed_us=&amp;upload_us=</c>), so one process can first be
/// measured at no cost (the floor of the HTTP stack and the hand-offs) and then at the costs derived from it.
/// What it answers: the latency the machine gives a server of that structure at that CPU cost per request, under the
/// same loads. Set against the service at the same CPU use, it tells how much of the service's tail follows from its
/// cost alone; run at lower costs, it tells the cost at which this machine would meet the latency targets.
/// </remarks>
public static class CostPeer
{
    private const string Usage = "usage: Twofold.Bench cost-peer <port> <feed CPU µs> <upload CPU µs> [table MB=0] [pages: small|huge=small]";

    private sealed record PendingFeed(int User, int Length, TaskCompletionSource<FeedResponse> Answer);
    private sealed record PendingUpload(string ItemId, TaskCompletionSource<DispatchResponse> Answer);

    public static int Run(string[] args)
    {
        if (args.Length is < 3 or > 5
            || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535
            || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var feedMicros) || feedMicros < 0
            || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var uploadMicros) || uploadMicros < 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var tableMegabytes = 0;
        if (args.Length == 4 && (!int.TryParse(args[3], CultureInfo.InvariantCulture, out tableMegabytes) || tableMegabytes < 0))
        {
            Console.Error.WriteLine($"cost-peer: the table's size must be a whole number of MB >= 0, got '{args[3]}'.\n{Usage}");
            return 2;
        }
        var hugePages = args.Length == 5 && args[4] == "huge";
        if (args.Length == 5 && !hugePages && args[4] != "small")
        {
            Console.Error.WriteLine($"cost-peer: pages must be small or huge, got '{args[4]}'.\n{Usage}");
            return 2;
        }
        var table = new RandomReads(tableMegabytes, hugePages);
        var costs = new Costs(feedMicros, uploadMicros);
        var day = ItemEndpoints.DayText(0);

        using var feeds = new BatchWorkers<PendingFeed>("feeds", Environment.ProcessorCount, FeedBatcher.MaxBatch,
            batch =>
            {
                foreach (var pending in batch) table.Spend(costs.FeedMicros);
                foreach (var pending in batch) pending.Answer.TrySetResult(Feed(pending.User, pending.Length, day));
            },
            (batch, error) => { foreach (var pending in batch) pending.Answer.TrySetException(error); });
        using var uploads = new BatchWorkers<PendingUpload>("dispatch", 1, 64,
            batch =>
            {
                foreach (var pending in batch) table.Spend(costs.UploadMicros);
                foreach (var pending in batch)
                    pending.Answer.TrySetResult(new DispatchResponse(0, pending.ItemId, day, 200, new Dictionary<string, int> { ["i2i2u"] = 50, ["two-tower-users"] = 150 }, false));
            },
            (batch, error) => { foreach (var pending in batch) pending.Answer.TrySetException(error); });

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.ConfigureHttpJsonOptions(json => Twofold.Server.TwofoldService.UseWireNames(json.SerializerOptions));
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok("ready"));
        app.MapPost("/costs", (int feed_us, int upload_us) =>
        {
            if (feed_us < 0 || upload_us < 0) return Results.BadRequest("feed_us and upload_us must be >= 0");
            (costs.FeedMicros, costs.UploadMicros) = (feed_us, upload_us);
            Console.WriteLine($"cost-peer: now feeds {feed_us} µs, uploads {upload_us} µs of CPU each");
            return Results.Ok($"feeds {feed_us} µs, uploads {upload_us} µs");
        });
        app.MapGet("/users/{id:int}/feed", async (int id, int? k) =>
        {
            var pending = new PendingFeed(id, k ?? 20, new TaskCompletionSource<FeedResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
            feeds.TryAdd(pending);
            return Results.Ok(await pending.Answer.Task);
        });
        app.MapPost("/items", async (HttpRequest request, CancellationToken cancellation) =>
        {
            var (upload, problem) = await RequestBody.Read<ItemUpload>(request, cancellation); // the service's reading of a body
            if (problem is not null) return problem;
            if (upload!.ItemId is not { Length: > 0 } itemId) return Results.BadRequest("item_id is required");
            var pending = new PendingUpload(itemId, new TaskCompletionSource<DispatchResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
            uploads.TryAdd(pending);
            return Results.Created($"/items/{itemId}", await pending.Answer.Task);
        });
        Console.WriteLine($"cost-peer: feeds {feedMicros} µs, uploads {uploadMicros} µs of CPU each, {(tableMegabytes > 0 ? $"reading a {tableMegabytes} MB table in {(hugePages ? "huge" : "small")} pages" : "arithmetic")}; listening on 127.0.0.1:{port}");
        app.Run();
        return 0;
    }

    /// <summary>The CPU each request costs, in µs; set between loads, read by the workers.</summary>
    private sealed class Costs(int feedMicros, int uploadMicros)
    {
        private volatile int _feedMicros = feedMicros, _uploadMicros = uploadMicros;
        public int FeedMicros { get => _feedMicros; set => _feedMicros = value; }
        public int UploadMicros { get => _uploadMicros; set => _uploadMicros = value; }
    }

    /// <summary>A feed of the requested length in the service's format (about the size of the service's answers).</summary>
    private static FeedResponse Feed(int user, int length, string day) =>
        new(user, day, [.. Enumerable.Range(0, length).Select(r => new FeedItem(user + r, $"i{user + r}", r, 1f / (r + 1), "two-tower-items", false))]);

    /// <summary>CPU spent reading random bytes of a resident table (or in arithmetic without one), timed by the thread's own CPU clock.</summary>
    private sealed unsafe class RandomReads
    {
        private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID, <time.h> on Linux
        private const int ReadsBetweenClocks = 256;
        private readonly byte* _table;
        private readonly long _length;

        public RandomReads(int megabytes, bool hugePages)
        {
            _length = (long)megabytes << 20;
            if (_length == 0) return;
            _table = (byte*)NativeMemory.Alloc((nuint)_length);
            if (hugePages) Twofold.Models.NativeHeap.PreferHugePages(_table, _length);
            for (long at = 0; at < _length; at += 4096) _table[at] = (byte)at; // resident, as a loaded model is
        }

        public void Spend(int micros)
        {
            if (micros == 0) return;
            var until = ThreadCpuNanos() + micros * 1000L;
            var state = (ulong)Environment.CurrentManagedThreadId * 0x9E3779B97F4A7C15UL;
            var sum = 0L;
            do
            {
                for (var k = 0; k < ReadsBetweenClocks; k++)
                {
                    state = state * 6364136223846793005UL + 1442695040888963407UL;
                    sum += _length == 0 ? (long)(state >> 60) : _table[(long)((state >> 17) % (ulong)_length)];
                }
            } while (ThreadCpuNanos() < until);
            GC.KeepAlive(sum);
        }

        private static long ThreadCpuNanos()
        {
            if (clock_gettime(ClockThreadCpuTime, out var time) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
            return time.Seconds * 1_000_000_000L + time.Nanoseconds;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int clock_gettime(int clock, out TimeSpec time);
    }
}
