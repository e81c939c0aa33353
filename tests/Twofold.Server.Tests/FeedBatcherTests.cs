using Twofold.CreatorSide;
using Twofold.Domain;
using Twofold.Retrieval;
using Twofold.Server.Serving;

namespace Twofold.Server.Tests;

/// <summary>Concurrent feed requests are served together, each with its own feed, and one request's error stays its own.</summary>
public class FeedBatcherTests
{
    private static readonly RetrievalSource Source = new(RetrievalKind.TwoTower, Side.User);

    [Fact]
    public async Task Concurrent_requests_are_served_in_batches_each_with_its_own_feed_and_error()
    {
        var largest = 0;
        var gate = new object();
        IReadOnlyList<FeedEntry>[] Feeds(int[] users, int[] lengths)
        {
            lock (gate) largest = Math.Max(largest, users.Length);
            Thread.Sleep(5); // slow enough that requests queue up behind a batch
            if (users.Contains(13)) throw new ArgumentException("user 13 is refused");
            return [.. users.Select((u, p) => (IReadOnlyList<FeedEntry>)[.. Enumerable.Range(0, lengths[p]).Select(r => new FeedEntry(u * 100 + r, r, Source, false))])];
        }

        using var batcher = new FeedBatcher(Feeds);
        var requests = Enumerable.Range(0, 200).Select(u => (User: u, Length: 1 + u % 5)).ToArray();
        var tasks = requests.AsParallel().Select(r => batcher.FeedAsync(r.User, r.Length)).ToArray();
        await Assert.ThrowsAsync<ArgumentException>(() => Task.WhenAll(tasks));

        Assert.Equal(1, tasks.Count(t => t.IsFaulted));
        Assert.True(largest > 1, "no two requests were ever served together");
        for (var r = 0; r < requests.Length; r++)
        {
            var (user, length) = requests[r];
            if (user == 13)
            {
                Assert.True(tasks[r].IsFaulted);
                continue;
            }
            Assert.Equal(Enumerable.Range(0, length).Select(i => user * 100 + i), (await tasks[r]).Select(e => e.Item));
        }
    }
}
