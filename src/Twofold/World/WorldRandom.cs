using System.Numerics;
using System.Runtime.CompilerServices;

namespace Twofold.World;

/// <summary>
/// A small, fast pseudo-random generator (xoshiro256**) whose streams are derived from the world seed and the
/// coordinates of a decision (purpose, agent, day). Every random choice of the world takes its own stream, so the
/// result does not depend on the order in which threads reach it: the same config gives the same bytes.
/// </summary>
public struct WorldRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    /// <summary>A generator for the stream named by <paramref name="seed"/> and up to three coordinates.</summary>
    public WorldRandom(long seed, Purpose purpose, long a = 0, long b = 0)
    {
        var x = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        x = Mix(x ^ (ulong)purpose * 0xBF58476D1CE4E5B9UL);
        x = Mix(x ^ (ulong)a * 0x94D049BB133111EBUL);
        x = Mix(x ^ (ulong)b * 0xD6E8FEB86659FD93UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = 0;
        _hasSpare = false;
    }

    /// <summary>The purposes random streams are drawn for; each keeps its own sequence.</summary>
    public enum Purpose : long
    {
        Space = 1,
        Users = 2,
        Creators = 3,
        Items = 4,
        Backlog = 5,
        Activity = 6,
        Posting = 7,
        Feed = 8,
        CreatorStrategy = 9,
        Trust = 10,
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        return Mix(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in (0, 1): safe for logarithms and negative powers.</summary>
    public double NextOpenDouble() => ((NextUInt64() >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 32) * (ulong)n >> 32);

    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>Standard normal (Marsaglia's polar method).</summary>
    public double Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        var f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareNormal = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang, with the usual boost for shape &lt; 1.</summary>
    public double Gamma(double shape)
    {
        if (shape < 1) return Gamma(shape + 1) * Math.Pow(NextOpenDouble(), 1 / shape);
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            var u = NextOpenDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    public double Beta(double a, double b)
    {
        var x = Gamma(a);
        var y = Gamma(b);
        return x / (x + y);
    }

    /// <summary>Poisson by inversion (intended for small means; capped at <paramref name="max"/>).</summary>
    public int Poisson(double mean, int max = 1000)
    {
        if (mean <= 0) return 0;
        var p = Math.Exp(-mean);
        var cumulative = p;
        var u = NextDouble();
        var k = 0;
        while (u > cumulative && k < max)
        {
            k++;
            p *= mean / k;
            cumulative += p;
            if (p == 0) break;
        }
        return k;
    }

    /// <summary>A value from a distribution over indexes with the given weights (linear scan; for short lists).</summary>
    public int Categorical(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights) total += w;
        var u = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.Length - 1;
    }
}
