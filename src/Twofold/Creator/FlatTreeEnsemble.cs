using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers.FastTree;

namespace Twofold.CreatorSide;

/// <summary>
/// The trees of a trained ML.NET tree-ensemble binary classifier, flattened into arrays and evaluated tree by tree
/// over a block of rows (so one tree stays in cache while the rows pass through it), then calibrated.
/// </summary>
/// <remarks>
/// Follows ML.NET's evaluation of numerical splits (go left when value ≤ threshold), sums the trees in double and
/// applies the Platt calibrator as ML.NET does; the tests check the probabilities against ML.NET's own transform.
/// Only numerical splits and dense, non-missing features are supported (what the activity features are).
/// </remarks>
internal sealed class FlatTreeEnsemble
{
    private const int BlockRows = 256;
    private readonly int[] _treeRoots;
    private readonly double[] _treeWeights;
    private readonly int[] _feature;
    private readonly float[] _threshold;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly double[] _leafValues;
    private readonly double _bias;
    private readonly double _slope;
    private readonly double _offset;

    private FlatTreeEnsemble(int[] roots, double[] weights, int[] feature, float[] threshold, int[] left, int[] right,
        double[] leafValues, double bias, double slope, double offset)
    {
        _treeRoots = roots;
        _treeWeights = weights;
        _feature = feature;
        _threshold = threshold;
        _left = left;
        _right = right;
        _leafValues = leafValues;
        _bias = bias;
        _slope = slope;
        _offset = offset;
    }

    /// <summary>Flattens <paramref name="model"/>, or returns null when it is not a Platt-calibrated numerical tree ensemble.</summary>
    public static FlatTreeEnsemble? TryCreate(ITransformer model)
    {
        // The transformer's model is CalibratedModelParametersBase<LightGbmBinaryModelParameters, PlattCalibrator> after
        // training, and a parameter-mixing subclass of it after loading: read the two parts by name.
        var parameters = Property<object>(model, "Model");
        var subModel = Property<TreeEnsembleModelParametersBasedOnRegressionTree>(parameters, "SubModel");
        var calibrator = Property<PlattCalibrator>(parameters, "Calibrator");
        if (subModel is null || calibrator is null) return null;
        var ensemble = subModel.TrainedTreeEnsemble;
        var trees = ensemble.Trees;
        var roots = new int[trees.Count];
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leaves = new List<double>();
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            if (tree.CategoricalSplitFlags.Any(c => c)) return null;
            var nodeBase = feature.Count;
            var leafBase = leaves.Count;
            // A tree with one leaf has no nodes: its root is the leaf ~0.
            roots[t] = tree.NumberOfNodes == 0 ? ~leafBase : nodeBase;
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                feature.Add(tree.NumericalSplitFeatureIndexes[n]);
                threshold.Add(tree.NumericalSplitThresholds[n]);
                left.Add(Relocate(tree.LeftChild[n], nodeBase, leafBase));
                right.Add(Relocate(tree.RightChild[n], nodeBase, leafBase));
            }
            leaves.AddRange(tree.LeafValues);
        }
        return new FlatTreeEnsemble(roots, ensemble.TreeWeights.ToArray(), feature.ToArray(), threshold.ToArray(), left.ToArray(),
            right.ToArray(), leaves.ToArray(), ensemble.Bias, calibrator.Slope, calibrator.Offset);
    }

    private static T? Property<T>(object? owner, string name) where T : class =>
        owner?.GetType().GetProperties().Where(p => p.Name == name && p.GetIndexParameters().Length == 0)
            .Select(p => p.GetValue(owner)).OfType<T>().FirstOrDefault();

    private static int Relocate(int child, int nodeBase, int leafBase) => child >= 0 ? child + nodeBase : ~(~child + leafBase);

    /// <summary>Writes the calibrated probability of each of the <paramref name="rows"/> rows of <paramref name="features"/>.</summary>
    public void Score(ReadOnlySpan<float> features, int rows, int columns, Span<float> into)
    {
        Span<double> sums = stackalloc double[BlockRows];
        for (var start = 0; start < rows; start += BlockRows)
        {
            var count = Math.Min(BlockRows, rows - start);
            var block = features.Slice(start * columns, count * columns);
            sums[..count].Fill(0);
            for (var t = 0; t < _treeRoots.Length; t++)
            {
                var root = _treeRoots[t];
                var weight = _treeWeights[t];
                for (var r = 0; r < count; r++)
                {
                    var row = block.Slice(r * columns, columns);
                    var node = root;
                    while (node >= 0) node = row[_feature[node]] <= _threshold[node] ? _left[node] : _right[node];
                    sums[r] += weight * _leafValues[~node];
                }
            }
            for (var r = 0; r < count; r++)
            {
                var output = (float)(_bias + sums[r]);
                into[start + r] = (float)(1 / (1 + Math.Exp(_slope * output + _offset)));
            }
        }
    }
}
