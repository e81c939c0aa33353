using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Twofold.Models;

/// <summary>
/// The heads of a <see cref="MultiTaskNetwork"/> for inference, on the CPU without libtorch: from the first layer's
/// output of each row (the experts' first layers and the gate logits, [rows, E·H + T·E]) to each task's probability —
/// ReLU, the experts' second layers, each task's softmax gate and mixture, the towers, and the sigmoid — for a tile of
/// rows at a time, so the intermediates stay in the core's cache.
/// </summary>
/// <remarks>
/// The same function as the network's fused heads (tested against them). libtorch ran these small layers
/// (64 → 32, 32 → 16, 16 → 1 per expert and task) as a dozen operations over the whole batch, each a pass through
/// memory, with weight packing and copies around every product; on a thousand rows those passes cost more than the
/// multiply-adds. Training keeps the libtorch heads (gradients); this kernel only reads weights frozen for inference.
/// Vectors of 8 floats (AVX2; AVX-512 hardware runs them as well): layer widths are padded to multiples of 8 with zero
/// weights, which leave the padded outputs at zero. ReLU is the processor's max instruction (`MaxNative`): the values
/// are finite (inputs are validated), so `Max`'s extra handling of NaN and signed zeros would only cost instructions.
/// </remarks>
internal sealed unsafe class HeadsKernel
{
    private const int Lanes = 8;
    private const int TileRows = 64;
    private const int PrefetchAhead = 8;

    private readonly int _experts, _hidden, _output, _outputPadded, _tasks, _towerHidden, _towerPadded;
    private readonly float[] _expertWeight; // [E, H, O'] (O' = O padded)
    private readonly float[] _expertBias; // [E, O']
    private readonly float[] _towerWeight; // [T, O, Th']
    private readonly float[] _towerBias; // [T, Th']
    private readonly float[] _outputWeight; // [T, Th']
    private readonly float[] _outputBias; // [T]

    /// <param name="expertWeight">The experts' second layers as [E, H, O] (input-major), row-major.</param>
    /// <param name="towerWeight">The towers' first layers as [T, O, Th].</param>
    /// <param name="outputWeight">The towers' output layers as [T, Th].</param>
    public HeadsKernel(int experts, int hidden, int output, int tasks, int towerHidden,
        ReadOnlySpan<float> expertWeight, ReadOnlySpan<float> expertBias, ReadOnlySpan<float> towerWeight, ReadOnlySpan<float> towerBias,
        ReadOnlySpan<float> outputWeight, ReadOnlySpan<float> outputBias)
    {
        (_experts, _hidden, _output, _tasks, _towerHidden) = (experts, hidden, output, tasks, towerHidden);
        _outputPadded = Padded(output);
        _towerPadded = Padded(towerHidden);
        _expertWeight = PadColumns(expertWeight, experts * hidden, output, _outputPadded);
        _expertBias = PadColumns(expertBias, experts, output, _outputPadded);
        _towerWeight = PadColumns(towerWeight, tasks * output, towerHidden, _towerPadded);
        _towerBias = PadColumns(towerBias, tasks, towerHidden, _towerPadded);
        _outputWeight = PadColumns(outputWeight, tasks, towerHidden, _towerPadded);
        _outputBias = outputBias.ToArray();
    }

    /// <summary>Columns of the first layer's output the heads read: E·H, then T·E gate logits when E &gt; 1.</summary>
    public int InputWidth => _experts * _hidden + (_experts > 1 ? _tasks * _experts : 0);

    private static int Padded(int width) => (width + Lanes - 1) / Lanes * Lanes;

    private static float[] PadColumns(ReadOnlySpan<float> values, int rows, int columns, int padded)
    {
        var result = new float[rows * padded];
        for (var r = 0; r < rows; r++) values.Slice(r * columns, columns).CopyTo(result.AsSpan(r * padded, columns));
        return result;
    }

    /// <summary>
    /// Each row's probabilities, row-major [rows, T], into <paramref name="probabilities"/>. The experts' columns of
    /// <paramref name="firstLayer"/> are overwritten with their ReLU.
    /// </summary>
    public void Run(Span<float> firstLayer, int rows, Span<float> probabilities)
    {
        if (firstLayer.Length != rows * InputWidth) throw new ArgumentException($"Expected {rows} × {InputWidth} first-layer values, actual {firstLayer.Length}.", nameof(firstLayer));
        fixed (float* first = firstLayer) Tiles(rows, probabilities, first, default);
    }

    /// <summary>
    /// The same for rows whose first layer is a group's shared part plus one varying embedding's part
    /// (<see cref="GroupedFirstLayer"/>), formed here tile by tile instead of as a [rows, E·H + T·E] tensor.
    /// </summary>
    public void Run(GroupedFirstLayer grouped, int rows, Span<float> probabilities)
    {
        grouped.Validate(rows, InputWidth);
        Tiles(rows, probabilities, null, grouped);
    }

    private void Tiles(int rows, Span<float> probabilities, float* first, GroupedFirstLayer grouped)
    {
        if (probabilities.Length != rows * _tasks) throw new ArgumentException($"Expected {rows} × {_tasks} outputs, actual {probabilities.Length}.", nameof(probabilities));
        var (e, t, width) = (_experts, _tasks, InputWidth);
        // A tile's first layer is formed in its own buffer when grouped, with rows padded to whole blocks of four
        // vectors (a last block of fewer vectors ran as dependent chains of multiply-adds).
        var formedWidth = (width + 4 * Lanes - 1) / (4 * Lanes) * (4 * Lanes);
        var varyingWidth = grouped.VaryingWidth;
        var expertsOut = ArrayPool<float>.Shared.Rent(e * TileRows * _outputPadded);
        var mixed = ArrayPool<float>.Shared.Rent(TileRows * t * _outputPadded);
        var towers = ArrayPool<float>.Shared.Rent(t * TileRows * _towerPadded);
        var gates = ArrayPool<float>.Shared.Rent(Math.Max(1, TileRows * t * e));
        var formed = first is null ? ArrayPool<float>.Shared.Rent(TileRows * formedWidth) : [];
        var varyingWeight = first is null ? ArrayPool<float>.Shared.Rent(varyingWidth * formedWidth) : [];
        var floor = first is null ? ArrayPool<float>.Shared.Rent(formedWidth) : [];
        var sharedPadded = first is null ? ArrayPool<float>.Shared.Rent(grouped.SharedPart.Length / width * formedWidth) : [];
        try
        {
            if (first is null)
            {
                varyingWeight.AsSpan(0, varyingWidth * formedWidth).Clear();
                for (var k = 0; k < varyingWidth; k++) grouped.VaryingWeightT.Slice(k * width, width).CopyTo(varyingWeight.AsSpan(k * formedWidth, width));
                // The groups' parts padded to whole vectors, so a row's sum reads them with vector loads.
                for (var g = 0; g < grouped.SharedPart.Length / width; g++)
                {
                    grouped.SharedPart.Slice(g * width, width).CopyTo(sharedPadded.AsSpan(g * formedWidth, width));
                    sharedPadded.AsSpan(g * formedWidth + width, formedWidth - width).Clear();
                }
                // The experts' columns get their ReLU as the rows are formed: max with 0 there, with −∞ (no change) elsewhere.
                floor.AsSpan(0, e * _hidden).Clear();
                floor.AsSpan(e * _hidden, formedWidth - e * _hidden).Fill(float.NegativeInfinity);
            }
            fixed (float* formedTile = formed)
            fixed (float* varyingT = varyingWeight)
            fixed (float* shared = sharedPadded)
            fixed (float* floors = floor)
            fixed (float* table = grouped.Table)
            fixed (float* outs = expertsOut)
            fixed (float* mix = mixed)
            fixed (float* tower = towers)
            fixed (float* gate = gates)
            fixed (float* expertWeight = _expertWeight)
            fixed (float* expertBias = _expertBias)
            fixed (float* towerWeight = _towerWeight)
            fixed (float* towerBias = _towerBias)
            fixed (float* outputWeight = _outputWeight)
            fixed (float* result = probabilities)
            {
                for (var start = 0; start < rows; start += TileRows)
                {
                    var tile = Math.Min(TileRows, rows - start);
                    float* input;
                    int stride;
                    if (first is not null)
                    {
                        input = first + (long)start * width;
                        stride = width;
                        for (var r = 0; r < tile; r++)
                        {
                            var row = new Span<float>(input + (long)r * stride, e * _hidden);
                            TensorPrimitives.Max(row, 0f, row);
                        }
                    }
                    else
                    {
                        input = formedTile;
                        stride = formedWidth;
                        var r = 0;
                        for (; r + 2 <= tile; r += 2)
                        {
                            // The rows' embeddings lie anywhere in a large table: asking for them a few rows ahead lets
                            // their cache misses overlap these rows' work.
                            if (Sse.IsSupported && start + r + 1 + PrefetchAhead < rows)
                            {
                                Sse.Prefetch0(table + grouped.Ids[start + r + PrefetchAhead] * varyingWidth);
                                Sse.Prefetch0(table + grouped.Ids[start + r + 1 + PrefetchAhead] * varyingWidth);
                            }
                            FormTwoRows(shared + grouped.GroupOfRow[start + r] * formedWidth, shared + grouped.GroupOfRow[start + r + 1] * formedWidth,
                                table + grouped.Ids[start + r] * varyingWidth, table + grouped.Ids[start + r + 1] * varyingWidth, varyingWidth,
                                varyingT, formedWidth, floors, formedTile + r * formedWidth);
                        }
                        if (r < tile)
                            FormRow(shared + grouped.GroupOfRow[start + r] * formedWidth, table + grouped.Ids[start + r] * varyingWidth, varyingWidth,
                                varyingT, formedWidth, floors, formedTile + r * formedWidth);
                    }
                    for (var x = 0; x < e; x++)
                        Dense(input + x * _hidden, stride, tile, _hidden, expertWeight + x * _hidden * _outputPadded, expertBias + x * _outputPadded,
                            _outputPadded, outs + x * TileRows * _outputPadded, _outputPadded);
                    Mix(input + e * _hidden, stride, tile, outs, mix, gate);
                    for (var k = 0; k < t; k++)
                        Dense(mix + k * _outputPadded, t * _outputPadded, tile, _output, towerWeight + k * _output * _towerPadded, towerBias + k * _towerPadded,
                            _towerPadded, tower + k * TileRows * _towerPadded, _towerPadded);
                    for (var r = 0; r < tile; r++)
                        for (var k = 0; k < t; k++)
                            result[(long)(start + r) * t + k] = _outputBias[k] + Dot(tower + (k * TileRows + r) * _towerPadded, outputWeight + k * _towerPadded, _towerPadded);
                }
            }
            TensorPrimitives.Sigmoid(probabilities, probabilities);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(expertsOut);
            ArrayPool<float>.Shared.Return(mixed);
            ArrayPool<float>.Shared.Return(towers);
            ArrayPool<float>.Shared.Return(gates);
            if (first is null)
            {
                ArrayPool<float>.Shared.Return(formed);
                ArrayPool<float>.Shared.Return(varyingWeight);
                ArrayPool<float>.Shared.Return(floor);
                ArrayPool<float>.Shared.Return(sharedPadded);
            }
        }
    }

    /// <summary>
    /// row[:] = max(shared[:] + Σ_k x[k] · weight[k, :], floor[:]) over a row padded to whole blocks of four vectors
    /// (<paramref name="width"/>), a block at a time so its four chains of multiply-adds run side by side. The sum
    /// starts from the group's part in registers: copying it into the row first made every load of the row wait for
    /// the copy's stores to retire (a load that spans stores cannot be forwarded from them), and so did the separate
    /// ReLU pass over the row that <paramref name="floor"/> replaces.
    /// </summary>
    private static void FormRow(float* shared, float* x, int length, float* weight, int width, float* floor, float* row)
    {
        for (var v = 0; v < width; v += 4 * Lanes)
        {
            var (a0, a1, a2, a3) = (Vector256.Load(shared + v), Vector256.Load(shared + v + Lanes), Vector256.Load(shared + v + 2 * Lanes), Vector256.Load(shared + v + 3 * Lanes));
            for (var k = 0; k < length; k++)
            {
                var w = weight + (long)k * width + v;
                var s = Vector256.Create(x[k]);
                a0 = Vector256.FusedMultiplyAdd(s, Vector256.Load(w), a0);
                a1 = Vector256.FusedMultiplyAdd(s, Vector256.Load(w + Lanes), a1);
                a2 = Vector256.FusedMultiplyAdd(s, Vector256.Load(w + 2 * Lanes), a2);
                a3 = Vector256.FusedMultiplyAdd(s, Vector256.Load(w + 3 * Lanes), a3);
            }
            Vector256.MaxNative(a0, Vector256.Load(floor + v)).Store(row + v);
            Vector256.MaxNative(a1, Vector256.Load(floor + v + Lanes)).Store(row + v + Lanes);
            Vector256.MaxNative(a2, Vector256.Load(floor + v + 2 * Lanes)).Store(row + v + 2 * Lanes);
            Vector256.MaxNative(a3, Vector256.Load(floor + v + 3 * Lanes)).Store(row + v + 3 * Lanes);
        }
    }

    /// <summary>
    /// <see cref="FormRow"/> for two consecutive rows of the tile (<paramref name="rows"/>, then the next) at once: each
    /// weight vector loaded serves both, and eight chains of multiply-adds run side by side where one row's four waited
    /// on each addition's latency.
    /// </summary>
    private static void FormTwoRows(float* shared0, float* shared1, float* x0, float* x1, int length, float* weight, int width, float* floor, float* rows)
    {
        var next = rows + width;
        for (var v = 0; v < width; v += 4 * Lanes)
        {
            var (a0, a1, a2, a3) = (Vector256.Load(shared0 + v), Vector256.Load(shared0 + v + Lanes), Vector256.Load(shared0 + v + 2 * Lanes), Vector256.Load(shared0 + v + 3 * Lanes));
            var (b0, b1, b2, b3) = (Vector256.Load(shared1 + v), Vector256.Load(shared1 + v + Lanes), Vector256.Load(shared1 + v + 2 * Lanes), Vector256.Load(shared1 + v + 3 * Lanes));
            for (var k = 0; k < length; k++)
            {
                var w = weight + (long)k * width + v;
                var (w0, w1, w2, w3) = (Vector256.Load(w), Vector256.Load(w + Lanes), Vector256.Load(w + 2 * Lanes), Vector256.Load(w + 3 * Lanes));
                var s = Vector256.Create(x0[k]);
                a0 = Vector256.FusedMultiplyAdd(s, w0, a0);
                a1 = Vector256.FusedMultiplyAdd(s, w1, a1);
                a2 = Vector256.FusedMultiplyAdd(s, w2, a2);
                a3 = Vector256.FusedMultiplyAdd(s, w3, a3);
                s = Vector256.Create(x1[k]);
                b0 = Vector256.FusedMultiplyAdd(s, w0, b0);
                b1 = Vector256.FusedMultiplyAdd(s, w1, b1);
                b2 = Vector256.FusedMultiplyAdd(s, w2, b2);
                b3 = Vector256.FusedMultiplyAdd(s, w3, b3);
            }
            var (f0, f1, f2, f3) = (Vector256.Load(floor + v), Vector256.Load(floor + v + Lanes), Vector256.Load(floor + v + 2 * Lanes), Vector256.Load(floor + v + 3 * Lanes));
            Vector256.MaxNative(a0, f0).Store(rows + v);
            Vector256.MaxNative(a1, f1).Store(rows + v + Lanes);
            Vector256.MaxNative(a2, f2).Store(rows + v + 2 * Lanes);
            Vector256.MaxNative(a3, f3).Store(rows + v + 3 * Lanes);
            Vector256.MaxNative(b0, f0).Store(next + v);
            Vector256.MaxNative(b1, f1).Store(next + v + Lanes);
            Vector256.MaxNative(b2, f2).Store(next + v + 2 * Lanes);
            Vector256.MaxNative(b3, f3).Store(next + v + 3 * Lanes);
        }
    }

    /// <summary>
    /// mixed[r, t, :] = Σ_e softmax_e(gate logits of r and t) · expert e's output of r; with one expert, its output for every task.
    /// </summary>
    /// <param name="gate">Room for the tile's gate weights, [rows, T, E].</param>
    private void Mix(float* logits, int logitStride, int rows, float* expertsOut, float* mixed, float* gate)
    {
        var (e, t, o) = (_experts, _tasks, _outputPadded);
        if (e == 1)
        {
            for (var r = 0; r < rows; r++)
                for (var k = 0; k < t; k++) Buffer.MemoryCopy(expertsOut + r * o, mixed + ((long)r * t + k) * o, o * sizeof(float), o * sizeof(float));
            return;
        }
        // The tile's softmax numerators in one pass of exponentials (a call per row cost more than its 21 values).
        for (var r = 0; r < rows; r++)
        {
            var row = logits + (long)r * logitStride;
            var weights = gate + r * t * e;
            for (var k = 0; k < t; k++)
            {
                var max = float.NegativeInfinity;
                for (var x = 0; x < e; x++) max = MathF.Max(max, row[k * e + x]);
                for (var x = 0; x < e; x++) weights[k * e + x] = row[k * e + x] - max;
            }
        }
        var all = new Span<float>(gate, rows * t * e);
        TensorPrimitives.Exp(all, all);
        MixRows(rows, e, t, o, expertsOut, gate, mixed);
    }

    /// <summary>
    /// The mixtures from the gates' softmax numerators [rows, T, E] (normalised here) and the experts' outputs
    /// [E, TileRows, O']. Out of line and with running pointers: inlined into <see cref="Tiles"/>, its loops spilled
    /// their indices to the stack and recomputed each address, and took a fifth of the kernel's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MixRows(int rows, int e, int t, int o, float* expertsOut, float* gate, float* mixed)
    {
        var expertStride = (long)TileRows * o;
        var target = mixed;
        var weights = gate;
        for (var r = 0; r < rows; r++)
        {
            var outs = expertsOut + (long)r * o;
            for (var k = 0; k < t; k++, weights += e, target += o)
            {
                float sum = 0;
                for (var x = 0; x < e; x++) sum += weights[x];
                var inverse = 1f / sum;
                for (var v = 0; v < o; v += Lanes)
                {
                    var source = outs + v;
                    var acc = Vector256.Create(weights[0] * inverse) * Vector256.Load(source);
                    for (var x = 1; x < e; x++)
                    {
                        source += expertStride;
                        acc = Vector256.FusedMultiplyAdd(Vector256.Create(weights[x] * inverse), Vector256.Load(source), acc);
                    }
                    acc.Store(target + v);
                }
            }
        }
    }

    /// <summary>
    /// output[r, :] = ReLU(bias + Σ_k input[r, k] · weight[k, :]) for <paramref name="rows"/> rows, in blocks of four
    /// rows by two vectors of outputs: each weight vector loaded serves four rows, and the eight accumulators are
    /// independent chains of multiply-adds (one chain would wait on each addition's latency).
    /// </summary>
    /// <param name="weight">[inWidth, outPadded], row-major.</param>
    private static void Dense(float* input, int inStride, int rows, int inWidth, float* weight, float* bias, int outPadded, float* output, int outStride)
    {
        var r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            var in0 = input + (long)r * inStride;
            var out0 = output + (long)r * outStride;
            var v = 0;
            for (; v + 2 * Lanes <= outPadded; v += 2 * Lanes) FourRowsTwoVectors(in0, inStride, inWidth, weight + v, bias + v, outPadded, out0 + v, outStride);
            if (v < outPadded) FourRowsOneVector(in0, inStride, inWidth, weight + v, bias + v, outPadded, out0 + v, outStride);
        }
        for (; r < rows; r++)
            for (var v = 0; v < outPadded; v += Lanes)
                OneRowOneVector(input + (long)r * inStride, inWidth, weight + v, bias + v, outPadded, output + (long)r * outStride + v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowsTwoVectors(float* in0, int inStride, int inWidth, float* weight, float* bias, int weightStride, float* output, int outStride)
    {
        var (b0, b1) = (Vector256.Load(bias), Vector256.Load(bias + Lanes));
        var (a00, a01, a10, a11, a20, a21, a30, a31) = (b0, b1, b0, b1, b0, b1, b0, b1);
        var in1 = in0 + inStride;
        var in2 = in1 + inStride;
        var in3 = in2 + inStride;
        for (var k = 0; k < inWidth; k++)
        {
            var w = weight + (long)k * weightStride;
            var (w0, w1) = (Vector256.Load(w), Vector256.Load(w + Lanes));
            var x = Vector256.Create(in0[k]);
            a00 = Vector256.FusedMultiplyAdd(x, w0, a00);
            a01 = Vector256.FusedMultiplyAdd(x, w1, a01);
            x = Vector256.Create(in1[k]);
            a10 = Vector256.FusedMultiplyAdd(x, w0, a10);
            a11 = Vector256.FusedMultiplyAdd(x, w1, a11);
            x = Vector256.Create(in2[k]);
            a20 = Vector256.FusedMultiplyAdd(x, w0, a20);
            a21 = Vector256.FusedMultiplyAdd(x, w1, a21);
            x = Vector256.Create(in3[k]);
            a30 = Vector256.FusedMultiplyAdd(x, w0, a30);
            a31 = Vector256.FusedMultiplyAdd(x, w1, a31);
        }
        var zero = Vector256<float>.Zero;
        Vector256.MaxNative(a00, zero).Store(output);
        Vector256.MaxNative(a01, zero).Store(output + Lanes);
        Vector256.MaxNative(a10, zero).Store(output + outStride);
        Vector256.MaxNative(a11, zero).Store(output + outStride + Lanes);
        Vector256.MaxNative(a20, zero).Store(output + 2L * outStride);
        Vector256.MaxNative(a21, zero).Store(output + 2L * outStride + Lanes);
        Vector256.MaxNative(a30, zero).Store(output + 3L * outStride);
        Vector256.MaxNative(a31, zero).Store(output + 3L * outStride + Lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowsOneVector(float* in0, int inStride, int inWidth, float* weight, float* bias, int weightStride, float* output, int outStride)
    {
        var b = Vector256.Load(bias);
        var (a0, a1, a2, a3) = (b, b, b, b);
        var in1 = in0 + inStride;
        var in2 = in1 + inStride;
        var in3 = in2 + inStride;
        for (var k = 0; k < inWidth; k++)
        {
            var w = Vector256.Load(weight + (long)k * weightStride);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Create(in0[k]), w, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Create(in1[k]), w, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Create(in2[k]), w, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Create(in3[k]), w, a3);
        }
        var zero = Vector256<float>.Zero;
        Vector256.MaxNative(a0, zero).Store(output);
        Vector256.MaxNative(a1, zero).Store(output + outStride);
        Vector256.MaxNative(a2, zero).Store(output + 2L * outStride);
        Vector256.MaxNative(a3, zero).Store(output + 3L * outStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRowOneVector(float* input, int inWidth, float* weight, float* bias, int weightStride, float* output)
    {
        var acc = Vector256.Load(bias);
        for (var k = 0; k < inWidth; k++) acc = Vector256.FusedMultiplyAdd(Vector256.Create(input[k]), Vector256.Load(weight + (long)k * weightStride), acc);
        Vector256.MaxNative(acc, Vector256<float>.Zero).Store(output);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int padded)
    {
        var acc = Vector256<float>.Zero;
        for (var v = 0; v < padded; v += Lanes) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + v), Vector256.Load(b + v), acc);
        return Vector256.Sum(acc);
    }
}

/// <summary>
/// A first layer W x + b of rows that differ only in one embedded field: per row, its group's part (the other inputs'
/// product and the bias, [groups, width]) plus the varying field's embedding times that field's columns of W.
/// </summary>
/// <param name="SharedPart">[groups, width], row-major.</param>
/// <param name="GroupOfRow">The group of each row.</param>
/// <param name="Table">The varying field's embedding table [entries, VaryingWidth], row-major.</param>
/// <param name="Ids">Each row's entry in <paramref name="Table"/>.</param>
/// <param name="VaryingWeightT">The varying field's columns of W, transposed: [VaryingWidth, width].</param>
internal readonly ref struct GroupedFirstLayer(ReadOnlySpan<float> SharedPart, ReadOnlySpan<long> GroupOfRow, ReadOnlySpan<float> Table,
    ReadOnlySpan<long> Ids, ReadOnlySpan<float> VaryingWeightT, int VaryingWidth)
{
    public ReadOnlySpan<float> SharedPart { get; } = SharedPart;
    public ReadOnlySpan<long> GroupOfRow { get; } = GroupOfRow;
    public ReadOnlySpan<float> Table { get; } = Table;
    public ReadOnlySpan<long> Ids { get; } = Ids;
    public ReadOnlySpan<float> VaryingWeightT { get; } = VaryingWeightT;
    public int VaryingWidth { get; } = VaryingWidth;

    /// <summary>Checks every index the kernel will follow, so it reads no memory outside these spans.</summary>
    public void Validate(int rows, int width)
    {
        if (GroupOfRow.Length != rows || Ids.Length != rows) throw new ArgumentException($"Expected a group and an id for each of {rows} rows.");
        if (VaryingWidth < 1 || VaryingWeightT.Length != VaryingWidth * width || SharedPart.Length % width != 0 || Table.Length % VaryingWidth != 0)
            throw new ArgumentException("The grouped first layer's parts do not fit its width.");
        var (groups, entries) = (SharedPart.Length / width, Table.Length / VaryingWidth);
        for (var r = 0; r < rows; r++)
            if ((ulong)GroupOfRow[r] >= (ulong)groups || (ulong)Ids[r] >= (ulong)entries)
                throw new ArgumentException($"Row {r} refers to group {GroupOfRow[r]} of {groups} or entry {Ids[r]} of {entries}.");
    }
}
