using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Twofold.Vectors;

/// <summary>
/// Rows stored twice: as 8-bit integers in panels, a quarter of the bytes, for a first pass that only has to find
/// candidates, and as floats row by row, for the exact scores of those candidates (<see cref="CompactVectorSet"/>;
/// in the panel layout of <see cref="PanelMatrix"/> each candidate's floats would lie on d cache lines, in rows on
/// d / 16). Dimension t of a row is stored as
/// round(x_t / s_t) in [−127, 127] with a fixed per-dimension scale s_t; the query absorbs the scales (q_t s_t) and is
/// quantised per query to [−63, 63], shifted by 64 so it is unsigned, as the byte multiply-add instruction needs.
/// </summary>
/// <remarks>
/// Layout: panels of 16 rows; within a panel, dimensions in groups of four, each group a 64-byte block holding the
/// four bytes of each of the 16 rows, so one load and two multiply-adds (<c>vpmaddubsw</c>, then <c>vpmaddwd</c> by
/// ones) give 16 partial dot products over four dimensions. Pairs of products stay below 2 × 127 × 127 = 32,258, so
/// the 16-bit step cannot saturate. The shift is removed with each row's sum of quantised values:
/// Σ (q_t + 64) x_t − 64 Σ x_t = Σ q_t x_t.
/// </remarks>
internal sealed unsafe class QuantizedPanelMatrix
{
    private const int W = VectorKernels.PanelWidth;
    private const int QueryShift = 64;
    private const int QueryLevels = 63;

    private readonly float[] _scales;
    private readonly int _groups;
    private sbyte[] _data;
    private int[] _rowSums;
    private float[] _rows;

    /// <param name="scales">s_t for each dimension: a value of magnitude 127 s_t is the largest stored exactly.</param>
    public QuantizedPanelMatrix(float[] scales, int capacity)
    {
        _scales = scales;
        Dimension = scales.Length;
        _groups = (Dimension + 3) / 4;
        Capacity = 0;
        _data = [];
        _rowSums = [];
        _rows = [];
        EnsureCapacity(capacity);
    }

    /// <summary>True where the multiply-add kernels run (AVX-512 BW); elsewhere the set scans in floats.</summary>
    public static bool IsSupported => Avx512BW.IsSupported;

    public int Dimension { get; }

    public int Capacity { get; private set; }

    public long Bytes => _data.Length + (long)_rowSums.Length * sizeof(int) + (long)_rows.Length * sizeof(float);

    /// <summary>Per-dimension scales that store the largest magnitude of each dimension of <paramref name="rows"/> as ±127.</summary>
    public static float[] ScalesFor(ReadOnlySpan<float> rows, int dimension)
    {
        var largest = new float[dimension];
        for (int i = 0; i < rows.Length; i++) largest[i % dimension] = Math.Max(largest[i % dimension], Math.Abs(rows[i]));
        return largest.Select(m => m > 0 ? m / 127f : 1f).ToArray();
    }

    public void EnsureCapacity(int rows)
    {
        if (rows <= Capacity) return;
        int next = (Math.Max(rows, Capacity + Capacity / 2) + W - 1) / W * W;
        Array.Resize(ref _data, next * _groups * 4);
        Array.Resize(ref _rowSums, next);
        Array.Resize(ref _rows, next * Dimension);
        Capacity = next;
    }

    private int Offset(int row, int group) => (row / W) * W * _groups * 4 + group * W * 4 + (row % W) * 4;

    /// <summary>Row <paramref name="row"/> as the floats it was set from.</summary>
    public ReadOnlySpan<float> Row(int row) => _rows.AsSpan(row * Dimension, Dimension);

    public void SetRow(int row, ReadOnlySpan<float> values)
    {
        values.CopyTo(_rows.AsSpan(row * Dimension, Dimension));
        int sum = 0;
        for (int t = 0; t < _groups * 4; t++)
        {
            int q = t < Dimension ? (int)Math.Clamp(MathF.Round(values[t] / _scales[t]), -127f, 127f) : 0;
            _data[Offset(row, t / 4) + t % 4] = (sbyte)q;
            sum += q;
        }
        _rowSums[row] = sum;
    }

    public void MoveRow(int from, int to)
    {
        for (int g = 0; g < _groups; g++)
            Unsafe.CopyBlock(ref Unsafe.As<sbyte, byte>(ref _data[Offset(to, g)]), ref Unsafe.As<sbyte, byte>(ref _data[Offset(from, g)]), 4);
        _rowSums[to] = _rowSums[from];
        _rows.AsSpan(from * Dimension, Dimension).CopyTo(_rows.AsSpan(to * Dimension, Dimension));
    }

    /// <summary>The query in the stored units: per group of four dimensions, its four shifted bytes as one int; and the factor back to scores.</summary>
    public QuantizedQuery Quantize(ReadOnlySpan<float> query)
    {
        float largest = 0;
        for (int t = 0; t < Dimension; t++) largest = Math.Max(largest, Math.Abs(query[t] * _scales[t]));
        float step = largest > 0 ? largest / QueryLevels : 1f;
        var groups = new int[_groups];
        for (int t = 0; t < _groups * 4; t++)
        {
            int q = t < Dimension ? (int)MathF.Round(query[t] * _scales[t] / step) : 0;
            groups[t / 4] |= (byte)(q + QueryShift) << (8 * (t % 4));
        }
        return new QuantizedQuery(groups, step);
    }

    /// <summary>
    /// Approximate scores of rows [0, <paramref name="rows"/>) for each query; the best <paramref name="heaps"/>[j].K
    /// rows (slot numbers, not ids) of query j are kept.
    /// </summary>
    public void ScanBatch(ReadOnlySpan<float> queries, int count, int rows, TopKBuffer[] heaps)
    {
        var quantized = new QuantizedQuery[count];
        for (int j = 0; j < count; j++) quantized[j] = Quantize(queries.Slice(j * Dimension, Dimension));
        ScanBatch(quantized, heaps, rows, 0);
    }

    /// <summary>
    /// Approximate scores of rows [0, <paramref name="rows"/>) for each quantised query (matrices with the same scales
    /// share them); row r enters <paramref name="heaps"/>[j] as <paramref name="firstKey"/> + r. Panels are
    /// visited in blocks that stay in L1 while every query passes over them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ScanBatch(ReadOnlySpan<QuantizedQuery> quantized, ReadOnlySpan<TopKBuffer> heaps, int rows, int firstKey)
    {
        int count = quantized.Length;
        int panels = (rows + W - 1) / W;
        int panelBytes = W * _groups * 4;
        int blockPanels = Math.Max(1, 16 * 1024 / panelBytes);
        float* scores = stackalloc float[W];
        var ones = Vector512.Create((short)1);
        fixed (sbyte* data = _data)
        fixed (int* rowSums = _rowSums)
        {
            for (int pb = 0; pb < panels; pb += blockPanels)
            {
                int pe = Math.Min(panels, pb + blockPanels);
                for (int j = 0; j < count; j++)
                {
                    var (groups, scale) = quantized[j];
                    var heap = heaps[j];
                    var shift = Vector512.Create(QueryShift);
                    var factor = Vector512.Create(scale);
                    for (int p = pb; p < pe; p++)
                    {
                        sbyte* panel = data + (long)p * panelBytes;
                        var accumulator = Vector512<int>.Zero;
                        for (int g = 0; g < _groups; g++)
                        {
                            var products = Avx512BW.MultiplyAddAdjacent(Vector512.Create(groups[g]).AsByte(), Vector512.Load(panel + g * 64));
                            accumulator += Avx512BW.MultiplyAddAdjacent(products, ones);
                        }
                        var exact = accumulator - shift * Vector512.Load(rowSums + p * W);
                        var s = Vector512.ConvertToSingle(exact) * factor;
                        int remaining = rows - p * W;
                        uint valid = remaining >= W ? 0xFFFFu : (1u << remaining) - 1;
                        uint mask = (uint)Vector512.GreaterThanOrEqual(s, Vector512.Create(heap.Threshold)).ExtractMostSignificantBits() & valid;
                        if (mask == 0) continue;
                        s.Store(scores);
                        while (mask != 0)
                        {
                            int lane = BitOperations.TrailingZeroCount(mask);
                            mask &= mask - 1;
                            int row = p * W + lane;
                            if (scores[lane] >= heap.Threshold) heap.Push(scores[lane], firstKey + row);
                        }
                    }
                }
            }
        }
    }
}

/// <summary>A query in a <see cref="QuantizedPanelMatrix"/>'s units: four shifted bytes per int, and the factor back to scores.</summary>
internal readonly record struct QuantizedQuery(int[] Groups, float Scale);
