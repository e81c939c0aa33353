namespace Twofold.Vectors;

/// <summary>Argument checks shared by the indexes; each names the offending argument.</summary>
internal static class Validation
{
    public static void CheckK(int k, string paramName = "k")
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(paramName, k, "k must be positive.");
    }

    public static void CheckDimension(int dimension, string paramName = "dimension")
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(paramName, dimension, "The dimension must be positive.");
    }

    /// <summary>Checks one vector: length equals <paramref name="dimension"/> and every value is finite.</summary>
    public static void CheckVector(ReadOnlySpan<float> vector, int dimension, string paramName)
    {
        if (vector.Length != dimension)
            throw new ArgumentException($"Expected a vector of dimension {dimension}, got {vector.Length}.", paramName);
        CheckFinite(vector, paramName);
    }

    /// <summary>Checks a row-major matrix: length is a multiple of <paramref name="dimension"/> and every value is finite.</summary>
    public static int CheckMatrix(ReadOnlySpan<float> rows, int dimension, string paramName)
    {
        CheckDimension(dimension);
        if (rows.Length % dimension != 0)
            throw new ArgumentException($"Length {rows.Length} is not a multiple of the dimension {dimension}.", paramName);
        CheckFinite(rows, paramName);
        return rows.Length / dimension;
    }

    public static void CheckFinite(ReadOnlySpan<float> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"Value at position {i} is {values[i]}; vectors must be finite (no NaN or infinity).", paramName);
        }
    }

    public static void CheckId(int id, int limit, string paramName = "id")
    {
        if ((uint)id >= (uint)limit)
            throw new ArgumentOutOfRangeException(paramName, id, $"Id must be in [0, {limit}).");
    }
}
