using System.Numerics.Tensors;

namespace Twofold.World;

/// <summary>
/// The shared latent space: one unit centroid per genre (users' tastes and creators' styles are noisy mixtures of
/// them), the popularity of genres (Zipf), and the random projection that turns an item latent into its content
/// embedding (so content similarity is informative but imperfect, as with a real video encoder).
/// </summary>
public sealed class LatentSpace
{
    public LatentSpace(int dimension, int contentDimension, float[] centroids, double[] genreWeights, float[] projection)
    {
        Dimension = dimension;
        ContentDimension = contentDimension;
        Centroids = centroids;
        GenreWeights = genreWeights;
        Projection = projection;
    }

    public int Dimension { get; }
    public int ContentDimension { get; }
    public int Genres => GenreWeights.Length;

    /// <summary>Genre centroids, row-major [genre × dimension], unit length.</summary>
    public float[] Centroids { get; }

    /// <summary>Relative popularity of each genre, ∝ 1/(g+1)^zipf, summing to 1.</summary>
    public double[] GenreWeights { get; }

    /// <summary>Content projection, row-major [content dimension × dimension], entries N(0, 1/d).</summary>
    public float[] Projection { get; }

    public ReadOnlySpan<float> Centroid(int genre) => Centroids.AsSpan(genre * Dimension, Dimension);

    public static string GenreName(int genre) => $"g{genre:D2}";

    /// <summary>The genre whose centroid is closest (largest inner product) to a latent vector.</summary>
    public int NearestGenre(ReadOnlySpan<float> latent)
    {
        var best = 0;
        var bestDot = float.NegativeInfinity;
        for (var g = 0; g < Genres; g++)
        {
            var dot = TensorPrimitives.Dot(Centroid(g), latent);
            if (dot > bestDot) (best, bestDot) = (g, dot);
        }
        return best;
    }

    public static LatentSpace Create(WorldConfig config)
    {
        var t = config.Tastes;
        var rng = new WorldRandom(config.Seed, WorldRandom.Purpose.Space);
        var centroids = new float[t.Genres * t.Dimension];
        for (var g = 0; g < t.Genres; g++) RandomUnit(ref rng, centroids.AsSpan(g * t.Dimension, t.Dimension));
        var weights = new double[t.Genres];
        for (var g = 0; g < t.Genres; g++) weights[g] = 1 / Math.Pow(g + 1, t.GenreZipf);
        var total = weights.Sum();
        for (var g = 0; g < t.Genres; g++) weights[g] /= total;
        var projection = new float[t.ContentDimension * t.Dimension];
        var scale = 1 / Math.Sqrt(t.Dimension);
        for (var i = 0; i < projection.Length; i++) projection[i] = (float)(rng.Normal() * scale);
        return new LatentSpace(t.Dimension, t.ContentDimension, centroids, weights, projection);
    }

    /// <summary>Writes a random unit vector.</summary>
    public static void RandomUnit(ref WorldRandom rng, Span<float> into)
    {
        for (var i = 0; i < into.Length; i++) into[i] = (float)rng.Normal();
        Normalize(into);
    }

    /// <summary>into = normalize(centre + noise · n/√d) with n standard normal: a point near a centre on the sphere.</summary>
    public static void Near(ref WorldRandom rng, ReadOnlySpan<float> centre, double noise, Span<float> into)
    {
        var scale = noise / Math.Sqrt(centre.Length);
        for (var i = 0; i < into.Length; i++) into[i] = centre[i] + (float)(rng.Normal() * scale);
        Normalize(into);
    }

    public static void Normalize(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>The content embedding of an item latent: normalize(P·latent + noise).</summary>
    public void Content(ref WorldRandom rng, ReadOnlySpan<float> latent, double noise, Span<float> into)
    {
        var scale = noise / Math.Sqrt(ContentDimension);
        for (var r = 0; r < ContentDimension; r++)
            into[r] = TensorPrimitives.Dot(Projection.AsSpan(r * Dimension, Dimension), latent) + (float)(rng.Normal() * scale);
        Normalize(into);
    }
}
