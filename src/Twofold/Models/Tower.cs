using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// One tower of the two-tower model, used for both sides: an embedding table per input feature (ids), the
/// embeddings concatenated, then <c>Linear → ReLU → Linear</c> and L2 normalisation. Its output rows are unit vectors,
/// so inner products of two towers' outputs are cosine similarities.
/// </summary>
/// <remarks>
/// Weights are initialised from the caller's seeded <see cref="Random"/>, not from torch's global generator, so a fit
/// is reproducible even while other code in the process draws from torch. Tables start at N(0, 0.1²); linear layers at
/// U(−1/√fan_in, 1/√fan_in) for weights and biases, as torch's own default.
/// </remarks>
public sealed class Tower : nn.Module<Tensor[], Tensor>
{
    private readonly ParameterList tables = new();
    private readonly Parameter hiddenWeight;
    private readonly Parameter hiddenBias;
    private readonly Parameter outputWeight;
    private readonly Parameter outputBias;
    private readonly long[] cardinalities;

    /// <param name="name">Module name (also prefixes the parameter names in checkpoints).</param>
    /// <param name="cardinalities">Rows of each feature's table; valid ids of feature f are [0, cardinalities[f]).</param>
    public Tower(string name, long[] cardinalities, int embeddingDim, int hiddenDim, int outputDim, Random random) : base(name)
    {
        ArgumentNullException.ThrowIfNull(cardinalities);
        ArgumentNullException.ThrowIfNull(random);
        if (cardinalities.Length == 0) throw new ArgumentException("Expected at least one feature, actual 0.", nameof(cardinalities));
        foreach (var c in cardinalities) ArgumentOutOfRangeException.ThrowIfLessThan(c, 1, nameof(cardinalities));
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputDim, 1);
        TorchRuntime.EnsureLoaded();

        this.cardinalities = (long[])cardinalities.Clone();
        EmbeddingDim = embeddingDim;
        OutputDim = outputDim;
        foreach (var rows in cardinalities)
            tables.Add(nn.Parameter(Normal(random, rows, embeddingDim, 0.1f)));
        var input = cardinalities.Length * embeddingDim;
        // Own parameters rather than nn.Linear, whose constructor draws its initial weights from torch's global generator.
        hiddenWeight = nn.Parameter(Uniform(random, [hiddenDim, input], input));
        hiddenBias = nn.Parameter(Uniform(random, [hiddenDim], input));
        outputWeight = nn.Parameter(Uniform(random, [outputDim, hiddenDim], hiddenDim));
        outputBias = nn.Parameter(Uniform(random, [outputDim], hiddenDim));
        RegisterComponents();
    }

    public int FeatureCount => cardinalities.Length;
    public int EmbeddingDim { get; }
    public int OutputDim { get; }
    public long Cardinality(int feature) => cardinalities[feature];

    /// <summary>
    /// Unit-length embeddings [n, OutputDim] for n rows of features: <paramref name="ids"/>[f] is an int64 vector of
    /// length n with ids of feature f. Shapes, dtypes and ranges are checked before torch runs.
    /// </summary>
    public override Tensor forward(Tensor[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Length != cardinalities.Length)
            throw new ArgumentException($"Expected {cardinalities.Length} feature id vectors, actual {ids.Length}.", nameof(ids));
        for (var f = 0; f < ids.Length; f++)
        {
            TensorGuard.Rank(ids[f], 1, $"ids[{f}]");
            TensorGuard.SameLength(ids[f].shape[0], ids[0].shape[0], $"ids[{f}]", "ids[0]");
            TensorGuard.IndexRange(ids[f], cardinalities[f], $"ids[{f}]");
        }
        return ForwardUnchecked(ids);
    }

    /// <summary>The forward pass without the checks, for callers that validated the ids on the .NET side.</summary>
    internal Tensor ForwardUnchecked(Tensor[] ids)
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = ids.Length == 1
            ? tables[0].index_select(0, ids[0])
            : torch.cat(ids.Select((t, f) => tables[f].index_select(0, t)).ToArray(), 1);
        Tensor h = nn.functional.relu(nn.functional.linear(x, hiddenWeight, hiddenBias));
        Tensor o = nn.functional.linear(h, outputWeight, outputBias);
        return nn.functional.normalize(o, p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    private static Tensor Normal(Random random, long rows, long cols, float std)
    {
        var values = new float[checked(rows * cols)];
        for (var k = 0; k < values.Length; k += 2)
        {
            // Box–Muller: two standard normals from two uniforms.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2 * Math.Log(u1));
            values[k] = (float)(std * r * Math.Cos(2 * Math.PI * u2));
            if (k + 1 < values.Length) values[k + 1] = (float)(std * r * Math.Sin(2 * Math.PI * u2));
        }
        return torch.tensor(values, [rows, cols]);
    }

    private static Tensor Uniform(Random random, long[] shape, long fanIn)
    {
        var bound = 1 / Math.Sqrt(fanIn);
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var k = 0; k < values.Length; k++) values[k] = (float)((2 * random.NextDouble() - 1) * bound);
        return torch.tensor(values, shape);
    }
}
