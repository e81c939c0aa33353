using Twofold.Vectors;
using static Twofold.Tests.Vectors.VectorTestSupport;

namespace Twofold.Tests.Vectors;

public class ExactSearchTests
{
    [Theory]
    [InlineData(5000, 16, true)]
    [InlineData(5003, 64, false)]
    [InlineData(777, 40, false)]
    public void Single_query_top_k_equals_a_naive_sort(int n, int d, bool normalised)
    {
        var rows = SyntheticEmbeddings.Clustered(n, d, seed: 11, normalised: normalised);
        var index = new FlatIndex(rows, d);
        var queries = SyntheticEmbeddings.Clustered(10, d, seed: 12, normalised: normalised);
        foreach (int k in new[] { 1, 10, 200 })
        {
            for (int j = 0; j < 10; j++)
            {
                var q = Row(queries, d, j);
                AssertExactTopK(NaiveTopK(rows, d, q, k), index.Search(q, k), rows, d, q);
            }
        }
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(7, 64)]
    [InlineData(32, 16)]
    [InlineData(37, 33)]
    public void Batched_queries_equal_single_queries_and_the_naive_sort(int batch, int d)
    {
        const int n = 4099;
        var rows = SyntheticEmbeddings.Clustered(n, d, seed: 21, normalised: false);
        var queries = SyntheticEmbeddings.Clustered(batch, d, seed: 22, normalised: false);
        var index = new FlatIndex(rows, d);
        var results = index.SearchBatch(queries, 50);
        Assert.Equal(batch, results.Length);
        for (int j = 0; j < batch; j++)
        {
            var q = Row(queries, d, j);
            AssertExactTopK(NaiveTopK(rows, d, q, 50), results[j], rows, d, q);
            Assert.Equal(index.Search(q, 50), results[j]);
        }
    }

    [Fact]
    public void Filtered_scan_returns_only_admitted_ids_and_equals_the_naive_filtered_sort()
    {
        const int n = 6000, d = 32;
        var rows = SyntheticEmbeddings.Clustered(n, d, seed: 31);
        var index = new FlatIndex(rows, d);
        var queries = SyntheticEmbeddings.Clustered(8, d, seed: 32);
        foreach (double fraction in new[] { 0.5, 0.1, 0.01, 0.0 })
        {
            var filter = RandomFilter(n, fraction, seed: 33);
            var batch = index.SearchBatch(queries, 100, filter);
            for (int j = 0; j < 8; j++)
            {
                var q = Row(queries, d, j);
                var expected = NaiveTopK(rows, d, q, 100, filter.Contains);
                AssertExactTopK(expected, index.Search(q, 100, filter), rows, d, q);
                AssertExactTopK(expected, batch[j], rows, d, q);
            }
        }
    }

    [Fact]
    public void Ties_keep_the_smaller_id()
    {
        // Small integer vectors make every product exact, so many rows share a score exactly.
        const int d = 16, n = 1000;
        var rows = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < d; t++) rows[i * d + t] = (i % 7 + t) % 3;
        var q = new float[d];
        for (int t = 0; t < d; t++) q[t] = t % 2 + 1;
        var index = new FlatIndex(rows, d);
        var expected = NaiveTopK(rows, d, q, 150);
        var single = index.Search(q, 150);
        var batch = index.SearchBatch([.. q, .. q, .. q, .. q, .. q], 150);
        Assert.Equal(expected.Select(e => e.Id), single.Select(a => a.Id));
        foreach (var b in batch) Assert.Equal(single, b);
        var set = CompactVectorSet.FromMatrix(rows, d);
        for (int i = 0; i < n; i += 3) set.Remove(i);
        var expectedCompact = NaiveTopK(rows, d, q, 150, i => i % 3 != 0);
        Assert.Equal(expectedCompact.Select(e => e.Id), set.Search(q, 150).Select(a => a.Id));
    }

    [Fact]
    public void K_larger_than_the_set_returns_everything_admitted()
    {
        var rows = SyntheticEmbeddings.Clustered(20, 16, seed: 1);
        var index = new FlatIndex(rows, 16);
        var q = Row(rows, 16, 0);
        Assert.Equal(20, index.Search(q, 200).Length);
        var filter = new IdFilter(20);
        filter.Set(3);
        filter.Set(17);
        Assert.Equal([3, 17], index.Search(q, 200, filter).Select(r => r.Id).Order());
    }

    [Fact]
    public void Heap_keeps_the_k_best_with_deterministic_ties()
    {
        var random = new Random(5);
        var heap = new TopKHeap(25);
        var all = new List<(float Score, int Id)>();
        for (int i = 0; i < 2000; i++)
        {
            float s = random.Next(100); // many ties
            all.Add((s, i));
            if (s >= heap.Threshold) heap.TryPush(s, i);
        }
        var expected = all.OrderByDescending(a => a.Score).ThenBy(a => a.Id).Take(25).Select(a => new Neighbor(a.Id, a.Score));
        Assert.Equal(expected, heap.ToSortedArray());
        Assert.Equal(all.OrderByDescending(a => a.Score).ThenBy(a => a.Id).ElementAt(24).Score, heap.Threshold);
        Assert.False(heap.TryPush(-1, 0));
        Assert.Equal(float.NegativeInfinity, new TopKHeap(3).Threshold);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(25, 2000)]
    [InlineData(200, 50000)]
    public void Buffer_selection_equals_a_full_sort_with_ties_and_signed_zeros(int k, int n)
    {
        var random = new Random(k + n);
        var buffer = new TopKBuffer(k);
        var all = new List<Neighbor>();
        for (int i = 0; i < n; i++)
        {
            // Few distinct values (many ties), both signs, and −0 next to +0.
            float s = random.Next(4) == 0 ? (random.Next(2) == 0 ? -0f : 0f) : (random.Next(-300, 300) / 7f);
            int id = random.Next(1_000_000);
            all.Add(new Neighbor(id, s));
            if (s >= buffer.Threshold) buffer.Push(s, id);
        }
        var expected = all.OrderByDescending(a => a.Score).ThenBy(a => a.Id).Take(k).ToArray();
        var actual = buffer.ToSortedArray();
        Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Id));
        Assert.Equal(expected.Select(e => e.Score), actual.Select(a => a.Score));
    }

    [Fact]
    public void Compacted_set_after_many_removes_equals_the_exact_filtered_scan()
    {
        const int n = 12000, d = 64;
        var rows = SyntheticEmbeddings.Clustered(n, d, seed: 41, normalised: false);
        var queries = SyntheticEmbeddings.Clustered(6, d, seed: 42, normalised: false);
        var index = new FlatIndex(rows, d);
        var available = new IdFilter(n, allSet: true);
        var set = CompactVectorSet.FromMatrix(rows, d, available);
        var random = new Random(43);
        // Drain to 1% in stages, re-adding a few ids along the way, as a dispatch day does.
        foreach (int target in new[] { n / 2, n / 10, n / 100 })
        {
            while (set.Count > target)
            {
                int id = random.Next(n);
                Assert.Equal(available.Clear(id), set.Remove(id));
            }
            for (int i = 0; i < 20; i++)
            {
                int id = random.Next(n);
                Assert.Equal(available.Set(id), set.Add(id, Row(rows, d, id)));
            }
            Assert.Equal(available.Count, set.Count);
            var batch = set.SearchBatch(queries, 200);
            for (int j = 0; j < 6; j++)
            {
                var q = Row(queries, d, j);
                var expected = index.Search(q, 200, available);
                Assert.Equal(expected, set.Search(q, 200));
                Assert.Equal(expected, batch[j]);
                AssertExactTopK(NaiveTopK(rows, d, q, 200, available.Contains), expected, rows, d, q);
            }
        }
        for (int id = 0; id < n; id++) Assert.Equal(available.Contains(id), set.Contains(id));
    }

    [Fact]
    public void Invalid_arguments_are_rejected_naming_the_argument()
    {
        var rows = SyntheticEmbeddings.Clustered(100, 16, seed: 1);
        var index = new FlatIndex(rows, 16);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search(new float[15], 5)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[16], 0)).ParamName);
        var nan = new float[16];
        nan[3] = float.NaN;
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search(nan, 5)).ParamName);
        Assert.Equal("queries", Assert.Throws<ArgumentException>(() => index.SearchBatch(new float[17], 5)).ParamName);
        Assert.Equal("filter", Assert.Throws<ArgumentException>(() => index.Search(new float[16], 5, new IdFilter(50))).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => new FlatIndex(nan, 16)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => new FlatIndex(new float[33], 16)).ParamName);
        Assert.Equal("id", Assert.Throws<ArgumentOutOfRangeException>(() => index.GetVector(100)).ParamName);
        var set = CompactVectorSet.FromMatrix(rows, 16);
        Assert.Equal("id", Assert.Throws<ArgumentOutOfRangeException>(() => set.Remove(-1)).ParamName);
        Assert.Equal("id", Assert.Throws<ArgumentOutOfRangeException>(() => set.Add(100, new float[16])).ParamName);
        Assert.Equal("vector", Assert.Throws<ArgumentException>(() => set.Add(5, new float[8])).ParamName);
        Assert.Equal("id", Assert.Throws<ArgumentOutOfRangeException>(() => new IdFilter(10).Set(10)).ParamName);
    }

    [Fact]
    public void Filter_counts_track_set_and_clear()
    {
        var f = new IdFilter(130);
        Assert.True(f.Set(129));
        Assert.False(f.Set(129));
        Assert.Equal(1, f.Count);
        f.SetAll();
        Assert.Equal(130, f.Count);
        Assert.True(f.Clear(0));
        Assert.False(f.Clear(0));
        Assert.Equal(129, f.Count);
        f.ClearAll();
        Assert.Equal(0, f.Count);
    }
}
