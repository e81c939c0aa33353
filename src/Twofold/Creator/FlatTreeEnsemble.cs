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
    // Per tree, its nodes in breadth-first order with both children of a node in adjacent slots, so the step to a
    // child is first_child + (go right ? 1 : 0), without a branch. A leaf has feature −1 and its value in _value.
    private readonly int[] _treeRoots;
    private readonly double[] _treeWeights;
    private readonly int[] _feature;
    private readonly float[] _threshold;
    private readonly int[] _firstChild;
    private readonly double[] _value;
    private readonly double _bias;
    private readonly double _slope;
    private readonly double _offset;

    private FlatTreeEnsemble(int[] roots, double[] weights, int[] feature, float[] threshold, int[] firstChild, double[] value,
        double bias, double slope, double offset)
    {
        _treeRoots = roots;
        _treeWeights = weights;
        _feature = feature;
        _threshold = threshold;
        _firstChild = firstChild;
        _value = value;
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
        var firstChild = new List<int>();
        var value = new List<double>();
        var queue = new Queue<(int Child, int Slot)>();
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            if (tree.CategoricalSplitFlags.Any(c => c)) return null;
            roots[t] = feature.Count;
            // ML.NET's child encoding: ≥ 0 an internal node, < 0 the leaf ~child. A tree with no nodes is the leaf 0.
            AddSlot(feature, threshold, firstChild, value);
            queue.Enqueue((tree.NumberOfNodes == 0 ? ~0 : 0, roots[t]));
            while (queue.Count > 0)
            {
                var (child, slot) = queue.Dequeue();
                if (child < 0)
                {
                    value[slot] = tree.LeafValues[~child];
                    continue;
                }
                feature[slot] = tree.NumericalSplitFeatureIndexes[child];
                threshold[slot] = tree.NumericalSplitThresholds[child];
                firstChild[slot] = feature.Count;
                AddSlot(feature, threshold, firstChild, value);
                AddSlot(feature, threshold, firstChild, value);
                queue.Enqueue((tree.LeftChild[child], firstChild[slot]));
                queue.Enqueue((tree.RightChild[child], firstChild[slot] + 1));
            }
        }
        return new FlatTreeEnsemble(roots, ensemble.TreeWeights.ToArray(), feature.ToArray(), threshold.ToArray(), firstChild.ToArray(),
            value.ToArray(), ensemble.Bias, calibrator.Slope, calibrator.Offset);
    }

    private static void AddSlot(List<int> feature, List<float> threshold, List<int> firstChild, List<double> value)
    {
        feature.Add(-1);
        threshold.Add(0);
        firstChild.Add(-1);
        value.Add(0);
    }

    private static T? Property<T>(object? owner, string name) where T : class =>
        owner?.GetType().GetProperties().Where(p => p.Name == name && p.GetIndexParameters().Length == 0)
            .Select(p => p.GetValue(owner)).OfType<T>().FirstOrDefault();

    /// <summary>Writes the calibrated probability of each of the <paramref name="rows"/> rows of <paramref name="features"/>.</summary>
    public void Score(ReadOnlySpan<float> features, int rows, int columns, Span<float> into)
    {
        Span<double> sums = stackalloc double[BlockRows];
        var featureOf = _feature;
        var thresholdOf = _threshold;
        var firstChildOf = _firstChild;
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
                    int f;
                    // Left when value ≤ threshold, as ML.NET does (so NaN goes right).
                    while ((f = featureOf[node]) >= 0) node = firstChildOf[node] + (row[f] <= thresholdOf[node] ? 0 : 1);
                    sums[r] += weight * _value[node];
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
