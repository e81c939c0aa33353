using System.Buffers;
using System.Runtime.CompilerServices;

namespace Twofold.Vectors;

/// <summary>
/// Top-k selection for scans that see many candidates: candidates above <see cref="Threshold"/> are appended to a
/// buffer of 2k packed keys; when it fills, a quickselect keeps the k best and raises the threshold to the k-th.
/// Amortised O(1) per accepted candidate against O(log k) for <see cref="TopKHeap"/>; it matters when the scan is
/// short (a compacted set at 1% is 2,000 rows, where a heap spends most of the time sifting).
/// </summary>
/// <remarks>
/// Candidates are kept as <see cref="RankKey"/>s, which sort ascending in result order. The buffer is rented from the
/// shared pool (a query of the 8-bit scans keeps thousands of keys, and a service searches for every request):
/// every search disposes its buffers once the results are taken, which returns them.
/// </remarks>
internal sealed class TopKBuffer : IDisposable
{
    private ulong[] _keys;
    private readonly int _k;
    private readonly int _capacity; // the rented array may be longer; compacting at a fixed fill keeps the scans' work as it was
    private int _count;

    public TopKBuffer(int k)
    {
        _k = k;
        _capacity = Math.Max(2 * k, k + 64);
        _keys = ArrayPool<ulong>.Shared.Rent(_capacity);
    }

    public void Dispose()
    {
        var keys = _keys;
        _keys = [];
        _count = 0;
        if (keys.Length > 0) ArrayPool<ulong>.Shared.Return(keys);
    }

    /// <summary>A lower bound on the k-th best score so far (−∞ until k candidates were kept): lower scores cannot enter.</summary>
    public float Threshold { get; private set; } = float.NegativeInfinity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float score, int id)
    {
        if (_count == _capacity)
        {
            Compact();
            if (score < Threshold) return;
        }
        _keys[_count++] = RankKey.Of(score, id);
    }

    /// <summary>The ids of the k best, in no particular order (no sort: for a caller that re-scores them).</summary>
    public int[] Ids()
    {
        if (_count > _k) Compact();
        var ids = new int[_count];
        for (int i = 0; i < _count; i++) ids[i] = RankKey.Id(_keys[i]);
        return ids;
    }

    /// <summary>The k best, best first.</summary>
    public Neighbor[] ToSortedArray()
    {
        if (_count > _k) Compact();
        Array.Sort(_keys, 0, _count);
        var result = new Neighbor[_count];
        for (int i = 0; i < _count; i++) result[i] = new Neighbor(RankKey.Id(_keys[i]), RankKey.Score(_keys[i]));
        return result;
    }

    private void Compact()
    {
        Select(_keys, _count, _k - 1);
        _count = _k;
        ulong kth = 0;
        for (int i = 0; i < _k; i++) kth = Math.Max(kth, _keys[i]);
        Threshold = RankKey.Score(kth);
    }

    /// <summary>Quickselect: afterwards keys[0..n) is partitioned so that keys[nth] is the (nth+1)-th smallest and nothing before it is larger.</summary>
    private static void Select(ulong[] keys, int n, int nth)
    {
        int lo = 0, hi = n - 1;
        while (hi > lo)
        {
            int mid = lo + ((hi - lo) >> 1);
            // Median of three as the pivot.
            if (keys[mid] < keys[lo]) (keys[mid], keys[lo]) = (keys[lo], keys[mid]);
            if (keys[hi] < keys[lo]) (keys[hi], keys[lo]) = (keys[lo], keys[hi]);
            if (keys[hi] < keys[mid]) (keys[hi], keys[mid]) = (keys[mid], keys[hi]);
            ulong pivot = keys[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (keys[i] < pivot) i++;
                while (keys[j] > pivot) j--;
                if (i <= j)
                {
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                    i++;
                    j--;
                }
            }
            if (nth <= j) hi = j;
            else if (nth >= i) lo = i;
            else return;
        }
    }
}
