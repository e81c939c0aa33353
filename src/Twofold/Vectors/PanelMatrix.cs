using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Twofold.Vectors;

/// <summary>
/// Rows stored in panels of 16: element (r, t) lives at panel(r)·16·d + t·16 + r mod 16. A panel is a d × 16
/// column block, so one 512-bit load per dimension feeds 16 row scores, and the scan kernels never reduce
/// horizontally. The exact index and the compacted set both scan through this type.
/// </summary>
internal sealed unsafe class PanelMatrix
{
    private const int W = VectorKernels.PanelWidth;

    /// <summary>Panels per row block in the batched scan: 32 panels of d = 64 are 128 KiB, resident in L2.</summary>
    private const int BlockPanels = 32;

    private AlignedFloats _data;

    public PanelMatrix(int dimension, int capacity)
    {
        Dimension = dimension;
        Capacity = RoundUp(Math.Max(capacity, W));
        _data = new AlignedFloats((long)Capacity * dimension);
    }

    public int Dimension { get; }

    public int Capacity { get; private set; }

    public long Bytes => (long)_data.Length * sizeof(float);

    private static int RoundUp(int rows) => (rows + W - 1) / W * W;

    public void EnsureCapacity(int rows)
    {
        if (rows <= Capacity) return;
        int next = RoundUp(Math.Max(rows, Capacity + Capacity / 2));
        _data = _data.Resize((long)next * Dimension);
        Capacity = next;
    }

    private float* Element(int row) => _data.Pointer + (long)(row / W) * W * Dimension + (row % W);

    public void SetRow(int row, ReadOnlySpan<float> values)
    {
        float* p = Element(row);
        for (int t = 0; t < Dimension; t++) p[t * W] = values[t];
    }

    public void GetRow(int row, Span<float> destination)
    {
        float* p = Element(row);
        for (int t = 0; t < Dimension; t++) destination[t] = p[t * W];
    }

    public void MoveRow(int from, int to)
    {
        float* src = Element(from);
        float* dst = Element(to);
        for (int t = 0; t < Dimension; t++) dst[t * W] = src[t * W];
    }

    /// <summary>
    /// Exact top-k of rows [0, <paramref name="rows"/>) for one query into <paramref name="heap"/>. Row r reports id
    /// <paramref name="ids"/>[r] (or r when null); when <paramref name="filter"/> is given (ids = rows), only admitted rows count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scan(float* q, int rows, TopKBuffer heap, int[]? ids, IdFilter? filter)
    {
        int d = Dimension;
        int panels = (rows + W - 1) / W;
        float* scores = stackalloc float[W];
        float* block = stackalloc float[4 * W];
        if (Vector512.IsHardwareAccelerated)
        {
            long stride = (long)W * d;
            int p = 0;
            for (; p + 4 <= panels; p += 4)
            {
                uint v0 = ValidMask(p, rows, filter), v1 = ValidMask(p + 1, rows, filter);
                uint v2 = ValidMask(p + 2, rows, filter), v3 = ValidMask(p + 3, rows, filter);
                float* panel = _data.Pointer + p * stride;
                if (v0 != 0 && v1 != 0 && v2 != 0 && v3 != 0)
                {
                    VectorKernels.Panel512x4(panel, stride, q, d, block);
                    CollectBlock(block, v0, p * W, heap, ids);
                    CollectBlock(block + 16, v1, (p + 1) * W, heap, ids);
                    CollectBlock(block + 32, v2, (p + 2) * W, heap, ids);
                    CollectBlock(block + 48, v3, (p + 3) * W, heap, ids);
                }
                else
                {
                    if (v0 != 0) Collect(VectorKernels.Panel512(panel, q, d), v0, p * W, heap, ids, scores);
                    if (v1 != 0) Collect(VectorKernels.Panel512(panel + stride, q, d), v1, (p + 1) * W, heap, ids, scores);
                    if (v2 != 0) Collect(VectorKernels.Panel512(panel + 2 * stride, q, d), v2, (p + 2) * W, heap, ids, scores);
                    if (v3 != 0) Collect(VectorKernels.Panel512(panel + 3 * stride, q, d), v3, (p + 3) * W, heap, ids, scores);
                }
            }
            for (; p < panels; p++)
            {
                uint v = ValidMask(p, rows, filter);
                if (v != 0) Collect(VectorKernels.Panel512(_data.Pointer + p * stride, q, d), v, p * W, heap, ids, scores);
            }
            return;
        }
        float threshold = heap.Threshold;
        for (int p = 0; p < panels; p++)
        {
            uint valid = ValidMask(p, rows, filter);
            if (valid == 0) continue;
            VectorKernels.Panel256(_data.Pointer + (long)p * W * d, q, d, out var lo, out var hi);
            var t = Vector256.Create(threshold);
            uint mask = (Vector256.GreaterThanOrEqual(lo, t).ExtractMostSignificantBits()
                    | (Vector256.GreaterThanOrEqual(hi, t).ExtractMostSignificantBits() << 8)) & valid;
            if (mask == 0) continue;
            lo.Store(scores);
            hi.Store(scores + 8);
            threshold = Push(scores, mask, p * W, heap, ids);
        }
    }

    /// <summary>Exact top-k for <paramref name="count"/> row-major queries at once, one heap per query.</summary>
    /// <remarks>
    /// Blocked like a GEMM: an outer loop over row blocks that stay in L2, an inner loop over groups of four
    /// queries, and a 4-query × 4-panel register-blocked micro-kernel (16 accumulators, 64 rows × 4 queries per step;
    /// <see cref="VectorKernels.Panel512Batch4x4"/>). Each panel load is reused by four broadcast FMAs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ScanBatch(float* queries, int count, int rows, TopKBuffer[] heaps, int[]? ids, IdFilter? filter)
    {
        int d = Dimension;
        if (!Vector512.IsHardwareAccelerated)
        {
            for (int j = 0; j < count; j++) Scan(queries + (long)j * d, rows, heaps[j], ids, filter);
            return;
        }
        int panels = (rows + W - 1) / W;
        long stride = (long)W * d;
        float* scores = stackalloc float[W];
        float* block = stackalloc float[16 * W];
        int groups = count / 4;
        for (int pb = 0; pb < panels; pb += BlockPanels)
        {
            int pe = Math.Min(panels, pb + BlockPanels);
            for (int g = 0; g < groups; g++)
            {
                int j0 = g * 4;
                float* q0 = queries + (long)j0 * d;
                TopKBuffer h0 = heaps[j0], h1 = heaps[j0 + 1], h2 = heaps[j0 + 2], h3 = heaps[j0 + 3];
                int p = pb;
                for (; p + 4 <= pe; p += 4)
                {
                    uint v0 = ValidMask(p, rows, filter), v1 = ValidMask(p + 1, rows, filter);
                    uint v2 = ValidMask(p + 2, rows, filter), v3 = ValidMask(p + 3, rows, filter);
                    if ((v0 | v1 | v2 | v3) == 0) continue;
                    VectorKernels.Panel512Batch4x4(_data.Pointer + p * stride, stride, q0, d, block);
                    int r = p * W;
                    for (int i = 0; i < 4; i++)
                    {
                        var h = i == 0 ? h0 : i == 1 ? h1 : i == 2 ? h2 : h3;
                        float* s = block + i * 64;
                        CollectBlock(s, v0, r, h, ids);
                        CollectBlock(s + 16, v1, r + W, h, ids);
                        CollectBlock(s + 32, v2, r + 2 * W, h, ids);
                        CollectBlock(s + 48, v3, r + 3 * W, h, ids);
                    }
                }
                for (; p < pe; p++)
                {
                    uint v = ValidMask(p, rows, filter);
                    if (v == 0) continue;
                    float* panel = _data.Pointer + p * stride;
                    for (int i = 0; i < 4; i++)
                    {
                        var h = i == 0 ? h0 : i == 1 ? h1 : i == 2 ? h2 : h3;
                        Collect(VectorKernels.Panel512(panel, q0 + i * d, d), v, p * W, h, ids, scores);
                    }
                }
            }
            for (int j = groups * 4; j < count; j++)
            {
                float* q = queries + (long)j * d;
                TopKBuffer h = heaps[j];
                for (int p = pb; p < pe; p++)
                {
                    uint v = ValidMask(p, rows, filter);
                    if (v == 0) continue;
                    Collect(VectorKernels.Panel512(_data.Pointer + p * stride, q, d), v, p * W, h, ids, scores);
                }
            }
        }
    }

    /// <summary>Threshold check of 16 stored scores, then heap inserts for the lanes that pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CollectBlock(float* s, uint valid, int firstRow, TopKBuffer heap, int[]? ids)
    {
        uint mask = (uint)Vector512.GreaterThanOrEqual(Vector512.Load(s), Vector512.Create(heap.Threshold)).ExtractMostSignificantBits() & valid;
        if (mask != 0) Push(s, mask, firstRow, heap, ids);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Collect(Vector512<float> s, uint valid, int firstRow, TopKBuffer heap, int[]? ids, float* scores)
    {
        uint mask = (uint)Vector512.GreaterThanOrEqual(s, Vector512.Create(heap.Threshold)).ExtractMostSignificantBits() & valid;
        if (mask == 0) return;
        s.Store(scores);
        Push(scores, mask, firstRow, heap, ids);
    }

    private static float Push(float* scores, uint mask, int firstRow, TopKBuffer heap, int[]? ids)
    {
        float threshold = heap.Threshold;
        while (mask != 0)
        {
            int lane = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            float s = scores[lane];
            if (s < threshold) continue;
            int row = firstRow + lane;
            heap.Push(s, ids is null ? row : ids[row]);
            threshold = heap.Threshold;
        }
        return threshold;
    }

    /// <summary>Bits of the rows of panel <paramref name="p"/> that exist and pass the filter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ValidMask(int p, int rows, IdFilter? filter)
    {
        int remaining = rows - p * W;
        uint valid = remaining >= W ? 0xFFFFu : (1u << remaining) - 1;
        if (filter is not null) valid &= (uint)(filter.ReadWord(p >> 2) >> ((p & 3) * W)) & 0xFFFFu;
        return valid;
    }
}
