namespace Twofold.CreatorSide;

/// <summary>
/// A dense row-major block of feature rows with optional binary labels: the training set and the scoring input of
/// the activity predictor. Each row is one (user, target day) example.
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(int rows, int columns, bool withLabels = false)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "The row count cannot be negative.");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "A feature matrix needs at least one column.");
        Rows = rows;
        Columns = columns;
        Values = new float[checked(rows * columns)];
        Labels = withLabels ? new bool[rows] : null;
    }

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>The values, row after row.</summary>
    public float[] Values { get; }

    /// <summary>The labels (visited on the target day), or null for a scoring-only matrix.</summary>
    public bool[]? Labels { get; }

    public Span<float> Row(int row) => Values.AsSpan(row * Columns, Columns);

    public float this[int row, int column] => Values[row * Columns + column];
}
