using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
/// weights, which leave the padded outputs at zero.
/// </remarks>
internal sealed unsafe class HeadsKernel
{
    private const int Lanes = 8;
    private const int TileRows = 64;

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
        var width = InputWidth;
        if (firstLayer.Length != rows * width) throw new ArgumentException($"Expected {rows} × {width} first-layer values, actual {firstLayer.Length}.", nameof(firstLayer));
        if (probabilities.Length != rows * _tasks) throw new ArgumentException($"Expected {rows} × {_tasks} outputs, actual {probabilities.Length}.", nameof(probabilities));
        var (e, t) = (_experts, _tasks);
        var expertsOut = ArrayPool<float>.Shared.Rent(e * TileRows * _outputPadded);
        var mixed = ArrayPool<float>.Shared.Rent(TileRows * t * _outputPadded);
        var towers = ArrayPool<float>.Shared.Rent(t * TileRows * _towerPadded);
        var gates = ArrayPool<float>.Shared.Rent(Math.Max(1, t * e));
        try
        {
            fixed (float* first = firstLayer)
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
                    var input = first + (long)start * width;
                    for (var r = 0; r < tile; r++)
                    {
                        var row = new Span<float>(input + (long)r * width, e * _hidden);
                        TensorPrimitives.Max(row, 0f, row);
                    }
                    for (var x = 0; x < e; x++)
                        Dense(input + x * _hidden, width, tile, _hidden, expertWeight + x * _hidden * _outputPadded, expertBias + x * _outputPadded,
                            _outputPadded, outs + x * TileRows * _outputPadded, _outputPadded);
                    Mix(input + e * _hidden, width, tile, outs, mix, gate);
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
        }
    }

    /// <summary>
    /// mixed[r, t, :] = Σ_e softmax_e(gate logits of r and t) · expert e's output of r; with one expert, its output for every task.
    /// </summary>
    private void Mix(float* logits, int logitStride, int rows, float* expertsOut, float* mixed, float* gate)
    {
        var (e, t, o) = (_experts, _tasks, _outputPadded);
        for (var r = 0; r < rows; r++)
        {
            var target = mixed + (long)r * t * o;
            if (e == 1)
            {
                for (var k = 0; k < t; k++) Buffer.MemoryCopy(expertsOut + r * o, target + k * o, o * sizeof(float), o * sizeof(float));
                continue;
            }
            var row = logits + (long)r * logitStride;
            for (var k = 0; k < t; k++)
            {
                var max = float.NegativeInfinity;
                for (var x = 0; x < e; x++) max = MathF.Max(max, row[k * e + x]);
                for (var x = 0; x < e; x++) gate[k * e + x] = row[k * e + x] - max;
            }
            var weights = new Span<float>(gate, t * e);
            TensorPrimitives.Exp(weights, weights);
            for (var k = 0; k < t; k++)
            {
                float sum = 0;
                for (var x = 0; x < e; x++) sum += gate[k * e + x];
                var inverse = 1f / sum;
                for (var v = 0; v < o; v += Lanes)
                {
                    var acc = Vector256<float>.Zero;
                    for (var x = 0; x < e; x++)
                        acc = Vector256.FusedMultiplyAdd(Vector256.Create(gate[k * e + x] * inverse), Vector256.Load(expertsOut + (x * TileRows + r) * o + v), acc);
                    acc.Store(target + k * o + v);
                }
            }
        }
    }

    /// <summary>
    /// output[r, :] = ReLU(bias + Σ_k input[r, k] · weight[k, :]) for <paramref name="rows"/> rows, four at a time:
    /// each weight vector loaded once serves four rows' accumulators.
    /// </summary>
    /// <param name="weight">[inWidth, outPadded], row-major.</param>
    private static void Dense(float* input, int inStride, int rows, int inWidth, float* weight, float* bias, int outPadded, float* output, int outStride)
    {
        var r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            var in0 = input + (long)r * inStride;
            var in1 = in0 + inStride;
            var in2 = in1 + inStride;
            var in3 = in2 + inStride;
            for (var v = 0; v < outPadded; v += Lanes)
            {
                var b = Vector256.Load(bias + v);
                var (acc0, acc1, acc2, acc3) = (b, b, b, b);
                for (var k = 0; k < inWidth; k++)
                {
                    var w = Vector256.Load(weight + k * outPadded + v);
                    acc0 = Vector256.FusedMultiplyAdd(Vector256.Create(in0[k]), w, acc0);
                    acc1 = Vector256.FusedMultiplyAdd(Vector256.Create(in1[k]), w, acc1);
                    acc2 = Vector256.FusedMultiplyAdd(Vector256.Create(in2[k]), w, acc2);
                    acc3 = Vector256.FusedMultiplyAdd(Vector256.Create(in3[k]), w, acc3);
                }
                var zero = Vector256<float>.Zero;
                Vector256.Max(acc0, zero).Store(output + (long)r * outStride + v);
                Vector256.Max(acc1, zero).Store(output + (long)(r + 1) * outStride + v);
                Vector256.Max(acc2, zero).Store(output + (long)(r + 2) * outStride + v);
                Vector256.Max(acc3, zero).Store(output + (long)(r + 3) * outStride + v);
            }
        }
        for (; r < rows; r++)
        {
            var row = input + (long)r * inStride;
            for (var v = 0; v < outPadded; v += Lanes)
            {
                var acc = Vector256.Load(bias + v);
                for (var k = 0; k < inWidth; k++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(row[k]), Vector256.Load(weight + k * outPadded + v), acc);
                Vector256.Max(acc, Vector256<float>.Zero).Store(output + (long)r * outStride + v);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int padded)
    {
        var acc = Vector256<float>.Zero;
        for (var v = 0; v < padded; v += Lanes) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + v), Vector256.Load(b + v), acc);
        return Vector256.Sum(acc);
    }
}
