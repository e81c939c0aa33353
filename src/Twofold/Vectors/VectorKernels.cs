using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Twofold.Vectors;

/// <summary>
/// SIMD kernels. <see cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> is the row-major inner product used by
/// the graph index; the panel kernels score 16 rows at once from the panel layout used by the exact scans
/// (see docs/ann.md): no horizontal reductions, one broadcast FMA per dimension per 16 rows.
/// </summary>
public static unsafe class VectorKernels
{
    /// <summary>Rows per panel in the panel layout: one 512-bit register of floats.</summary>
    public const int PanelWidth = 16;

    /// <summary>Inner product of two equal-length vectors (hand-written; faster than TensorPrimitives.Dot at d ≤ 128, see bench/README.md).</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Lengths differ: {a.Length} and {b.Length}.", nameof(b));
        fixed (float* pa = a)
        fixed (float* pb = b)
            return Dot(pa, pb, a.Length);
    }

    /// <summary>The same product through System.Numerics.Tensors, kept as the reference the benchmarks compare against.</summary>
    public static float DotTensorPrimitives(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(float* a, float* b, int d)
    {
        int i = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated && d >= 16)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i + 32 <= d; i += 32)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), acc1);
            }
            if (i + 16 <= d)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc0);
                i += 16;
            }
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && d >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= d; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
            }
            if (i + 8 <= d)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
                i += 8;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        else
        {
            sum = 0;
        }
        for (; i < d; i++) sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
        return sum;
    }

    /// <summary>Scores of the 16 rows of one panel against <paramref name="q"/>.</summary>
    /// <remarks>
    /// Accumulates in dimension order with one accumulator, the same order as the batched micro-kernel, so single and
    /// batched searches return bit-identical scores. <see cref="Panel512x4"/> hides the FMA latency across panels.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Panel512(float* panel, float* q, int d)
    {
        var a = Vector512<float>.Zero;
        for (int t = 0; t < d; t++, panel += 16)
            a = Vector512.FusedMultiplyAdd(Vector512.Load(panel), Vector512.Create(q[t]), a);
        return a;
    }

    /// <summary>
    /// Four consecutive panels (<paramref name="stride"/> floats apart) against one query: four independent FMA chains,
    /// the 64 scores written to <paramref name="output"/>. A small leaf method so that every accumulator stays in a register.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Panel512x4(float* panel, long stride, float* q, int d, float* output)
    {
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        float* p1 = panel + stride, p2 = p1 + stride, p3 = p2 + stride;
        for (int o = 0; o < d * 16; o += 16)
        {
            var b = Vector512.Create(*q++);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(panel + o), b, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(p1 + o), b, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(p2 + o), b, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(p3 + o), b, a3);
        }
        a0.Store(output);
        a1.Store(output + 16);
        a2.Store(output + 32);
        a3.Store(output + 48);
    }

    /// <summary>
    /// The batched micro-kernel: four queries (<paramref name="q"/>, <paramref name="q"/> + d, …) × four consecutive
    /// panels, 16 accumulators in registers; per dimension four panel loads feed sixteen broadcast FMAs. Scores go to
    /// <paramref name="output"/> as [query][panel][16].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Panel512Batch4x4(float* panel, long stride, float* q, int d, float* output)
    {
        var a00 = Vector512<float>.Zero; var a01 = Vector512<float>.Zero; var a02 = Vector512<float>.Zero; var a03 = Vector512<float>.Zero;
        var a10 = Vector512<float>.Zero; var a11 = Vector512<float>.Zero; var a12 = Vector512<float>.Zero; var a13 = Vector512<float>.Zero;
        var a20 = Vector512<float>.Zero; var a21 = Vector512<float>.Zero; var a22 = Vector512<float>.Zero; var a23 = Vector512<float>.Zero;
        var a30 = Vector512<float>.Zero; var a31 = Vector512<float>.Zero; var a32 = Vector512<float>.Zero; var a33 = Vector512<float>.Zero;
        float* p1 = panel + stride, p2 = p1 + stride, p3 = p2 + stride;
        float* q1 = q + d, q2 = q1 + d, q3 = q2 + d;
        for (int t = 0; t < d; t++)
        {
            int o = t * 16;
            var x0 = Vector512.Load(panel + o);
            var x1 = Vector512.Load(p1 + o);
            var x2 = Vector512.Load(p2 + o);
            var x3 = Vector512.Load(p3 + o);
            var b = Vector512.Create(q[t]);
            a00 = Vector512.FusedMultiplyAdd(x0, b, a00); a01 = Vector512.FusedMultiplyAdd(x1, b, a01);
            a02 = Vector512.FusedMultiplyAdd(x2, b, a02); a03 = Vector512.FusedMultiplyAdd(x3, b, a03);
            b = Vector512.Create(q1[t]);
            a10 = Vector512.FusedMultiplyAdd(x0, b, a10); a11 = Vector512.FusedMultiplyAdd(x1, b, a11);
            a12 = Vector512.FusedMultiplyAdd(x2, b, a12); a13 = Vector512.FusedMultiplyAdd(x3, b, a13);
            b = Vector512.Create(q2[t]);
            a20 = Vector512.FusedMultiplyAdd(x0, b, a20); a21 = Vector512.FusedMultiplyAdd(x1, b, a21);
            a22 = Vector512.FusedMultiplyAdd(x2, b, a22); a23 = Vector512.FusedMultiplyAdd(x3, b, a23);
            b = Vector512.Create(q3[t]);
            a30 = Vector512.FusedMultiplyAdd(x0, b, a30); a31 = Vector512.FusedMultiplyAdd(x1, b, a31);
            a32 = Vector512.FusedMultiplyAdd(x2, b, a32); a33 = Vector512.FusedMultiplyAdd(x3, b, a33);
        }
        a00.Store(output); a01.Store(output + 16); a02.Store(output + 32); a03.Store(output + 48);
        a10.Store(output + 64); a11.Store(output + 80); a12.Store(output + 96); a13.Store(output + 112);
        a20.Store(output + 128); a21.Store(output + 144); a22.Store(output + 160); a23.Store(output + 176);
        a30.Store(output + 192); a31.Store(output + 208); a32.Store(output + 224); a33.Store(output + 240);
    }

    /// <summary>The 256-bit form of <see cref="Panel512"/>: the panel's low and high 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Panel256(float* panel, float* q, int d, out Vector256<float> low, out Vector256<float> high)
    {
        var l0 = Vector256<float>.Zero;
        var h0 = Vector256<float>.Zero;
        var l1 = Vector256<float>.Zero;
        var h1 = Vector256<float>.Zero;
        int t = 0;
        for (; t + 2 <= d; t += 2, panel += 32)
        {
            var b0 = Vector256.Create(q[t]);
            var b1 = Vector256.Create(q[t + 1]);
            l0 = Vector256.FusedMultiplyAdd(Vector256.Load(panel), b0, l0);
            h0 = Vector256.FusedMultiplyAdd(Vector256.Load(panel + 8), b0, h0);
            l1 = Vector256.FusedMultiplyAdd(Vector256.Load(panel + 16), b1, l1);
            h1 = Vector256.FusedMultiplyAdd(Vector256.Load(panel + 24), b1, h1);
        }
        for (; t < d; t++, panel += 16)
        {
            var b = Vector256.Create(q[t]);
            l0 = Vector256.FusedMultiplyAdd(Vector256.Load(panel), b, l0);
            h0 = Vector256.FusedMultiplyAdd(Vector256.Load(panel + 8), b, h0);
        }
        low = l0 + l1;
        high = h0 + h1;
    }
}
