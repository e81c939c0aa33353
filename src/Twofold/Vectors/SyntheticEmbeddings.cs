namespace Twofold.Vectors;

/// <summary>
/// Seeded synthetic embeddings shaped like learned ones: points scattered around a few dozen cluster centres with a
/// power-law spectrum (component t of the within-cluster variation has variance ∝ 1/(t + 1) in a random basis, an
/// effective dimension of about 14 at d = 64), optionally with norms that vary widely (log-normal scale), which is the
/// hard case for inner-product graphs.
/// Used by the tests and the benchmarks so both sides of a comparison read the same numbers.
/// </summary>
public static class SyntheticEmbeddings
{
    /// <summary>
    /// <paramref name="count"/> row-major vectors of <paramref name="dimension"/> floats around
    /// <paramref name="clusters"/> centres. Normalised vectors have unit norm; otherwise norms follow a
    /// log-normal with σ = <paramref name="normSpread"/> (σ = 0.5 gives a 95% range of about 0.37–2.7).
    /// </summary>
    public static float[] Clustered(int count, int dimension, int seed, int clusters = 64, bool normalised = true, double noise = 0.6, double normSpread = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Validation.CheckDimension(dimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        var random = new Random(seed);
        var centres = new double[clusters * dimension];
        for (int i = 0; i < centres.Length; i++) centres[i] = Gaussian(random);
        for (int c = 0; c < clusters; c++) Normalise(centres.AsSpan(c * dimension, dimension));
        // Random basis (columns of norm ≈ 1) and power-law component scales, normalised so E‖noise‖² = noise².
        var basis = new double[dimension * dimension];
        for (int i = 0; i < basis.Length; i++) basis[i] = Gaussian(random) / Math.Sqrt(dimension);
        var scales = new double[dimension];
        double total = 0;
        for (int t = 0; t < dimension; t++) total += 1.0 / (t + 1);
        for (int t = 0; t < dimension; t++) scales[t] = noise * Math.Sqrt(1.0 / (t + 1) / total);
        var data = new float[(long)count * dimension];
        var row = new double[dimension];
        var z = new double[dimension];
        for (int i = 0; i < count; i++)
        {
            int c = random.Next(clusters);
            for (int t = 0; t < dimension; t++) z[t] = scales[t] * Gaussian(random);
            for (int t = 0; t < dimension; t++)
            {
                double v = centres[c * dimension + t];
                for (int u = 0; u < dimension; u++) v += basis[t * dimension + u] * z[u];
                row[t] = v;
            }
            Normalise(row);
            double scale = normalised ? 1.0 : Math.Exp(normSpread * Gaussian(random));
            for (int t = 0; t < dimension; t++) data[(long)i * dimension + t] = (float)(row[t] * scale);
        }
        return data;
    }

    private static void Normalise(Span<double> v)
    {
        double s = 0;
        foreach (var x in v) s += x * x;
        double inv = 1.0 / Math.Sqrt(Math.Max(s, 1e-30));
        for (int i = 0; i < v.Length; i++) v[i] *= inv;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
