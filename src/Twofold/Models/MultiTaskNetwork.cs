using System.Buffers;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// A multi-task prediction network over embedded categorical fields and dense features: MMoE (Ma et al., KDD 2018,
/// "Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts") or a shared bottom.
/// Input x = [e_f1(id_1); …; e_fF(id_F); mean of e_bag(bag ids); dense]; experts h_e = ReLU(W2 ReLU(W1 x));
/// per task t a gate g_t = softmax(G_t x) and a tower y_t = T_t(Σ_e g_t,e h_e) giving one logit.
/// </summary>
/// <remarks>
/// Follows the pattern of <see cref="TinyScorer"/>: <see cref="TorchRuntime.EnsureLoaded"/> first, every input validated
/// on the .NET side before libtorch sees it (docs/torch.md), lookups by <c>index_select</c> and pooling by <c>index_add</c>.
/// </remarks>
public sealed class MultiTaskNetwork : nn.Module
{
    private readonly ParameterList tables;
    private readonly ModuleList<Sequential> experts;
    private readonly ModuleList<Linear> gates;
    private readonly ModuleList<Sequential> towers;

    /// <param name="seed">Seeds the initial weights (through <see cref="TorchRuntime.Seeded"/>, safe with concurrent construction).</param>
    public MultiTaskNetwork(MultiTaskNetworkConfig config, long seed) : base(nameof(MultiTaskNetwork))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        Config = config;
        (tables, experts, gates, towers) = TorchRuntime.Seeded(seed, () => Layers(config));
        RegisterComponents();
    }

    public MultiTaskNetworkConfig Config { get; }

    private static (ParameterList, ModuleList<Sequential>, ModuleList<Linear>, ModuleList<Sequential>) Layers(MultiTaskNetworkConfig config)
    {
        var tables = new ParameterList();
        foreach (var field in config.Fields)
            tables.Add(nn.Parameter(nn.init.normal_(torch.empty(field.Cardinality, field.Dimension), std: 0.05)));
        var width = config.InputWidth;
        var experts = new ModuleList<Sequential>();
        for (var e = 0; e < config.ExpertCount; e++)
            experts.Add(nn.Sequential(nn.Linear(width, config.ExpertHidden), nn.ReLU(), nn.Linear(config.ExpertHidden, config.ExpertOutput), nn.ReLU()));
        var gates = new ModuleList<Linear>();
        if (config.ExpertCount > 1)
            for (var t = 0; t < config.Tasks; t++) gates.Add(nn.Linear(width, config.ExpertCount));
        var towers = new ModuleList<Sequential>();
        for (var t = 0; t < config.Tasks; t++)
            towers.Add(nn.Sequential(nn.Linear(config.ExpertOutput, config.TowerHidden), nn.ReLU(), nn.Linear(config.TowerHidden, 1)));
        return (tables, experts, gates, towers);
    }

    /// <summary>Logits [B, tasks] for a batch; validates the input first. Keeps the autograd graph (callers choose no_grad).</summary>
    /// <exception cref="ArgumentException">The input does not fit the configuration (sizes, id ranges, non-finite values).</exception>
    public Tensor Forward(MultiTaskInput input) => Forward(input, layerByLayer: false);

    /// <param name="layerByLayer">Apply each expert, gate and tower alone (<see cref="HeadsLayerByLayer"/>), the reference for tests.</param>
    internal Tensor Forward(MultiTaskInput input, bool layerByLayer)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate(Config);
        var rows = input.Rows;
        if (rows == 0) return torch.empty(0, Config.Tasks);

        using var scope = torch.NewDisposeScope();
        if (layerByLayer)
            return HeadsLayerByLayer(Inputs(input, skipField: null)).MoveToOuterDisposeScope();
        return Logits(input, Fused()).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [B, tasks] through libtorch: the first layer, then the fused heads.</summary>
    private Tensor Logits(MultiTaskInput input, FusedLayers fused) => Heads(FirstLayer(input, fused), input.Rows, fused);

    /// <summary>
    /// Each row's probability of each task, row-major [B, tasks], into <paramref name="probabilities"/> (the sigmoid of
    /// <see cref="Forward(MultiTaskInput)"/>). In evaluation mode without gradients the heads run as a CPU kernel on
    /// the layers kept for inference (<see cref="HeadsKernel"/>); otherwise through libtorch.
    /// </summary>
    /// <exception cref="ArgumentException">The input does not fit the configuration, or the span is not [B, tasks].</exception>
    public void Probabilities(MultiTaskInput input, Span<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate(Config);
        var rows = input.Rows;
        TensorGuard.SameLength(probabilities.Length, (long)rows * Config.Tasks, nameof(probabilities), "rows × tasks");
        if (rows == 0) return;
        using var scope = torch.NewDisposeScope();
        var fused = Fused();
        if (fused.Kernel is not { } kernel)
        {
            var computed = Logits(input, fused).sigmoid().contiguous();
            MemoryMarshal.Cast<byte, float>(computed.bytes).CopyTo(probabilities);
            return;
        }
        if (input.Groups is { } groups)
        {
            // The rows' first layer is formed inside the kernel from the groups' parts and the varying embeddings.
            var (sharedPart, varyingWeightT) = GroupedParts(input, groups, fused);
            var (varying, fields) = (groups.VaryingField, Config.Fields.Count);
            var ids = ArrayPool<long>.Shared.Rent(rows);
            try
            {
                var categorical = input.Categorical.Span;
                for (var r = 0; r < rows; r++) ids[r] = categorical[r * fields + varying];
                kernel.Run(new GroupedFirstLayer(MemoryMarshal.Cast<byte, float>(sharedPart.contiguous().bytes), groups.GroupOfRow.Span,
                    MemoryMarshal.Cast<byte, float>(tables[varying].bytes), ids.AsSpan(0, rows), MemoryMarshal.Cast<byte, float>(varyingWeightT.bytes),
                    Config.Fields[varying].Dimension), rows, probabilities);
            }
            finally
            {
                ArrayPool<long>.Shared.Return(ids);
            }
            GC.KeepAlive(fused); // the kernel read its tensors' memory through spans, which do not keep them alive
            return;
        }
        var firstLayer = FirstLayer(input, fused).contiguous();
        kernel.Run(MemoryMarshal.Cast<byte, float>(firstLayer.bytes), rows, probabilities);
        GC.KeepAlive(fused);
    }

    /// <summary>The first layer's output [B, E·H + T·E] (every layer that reads x, <see cref="FusedLayers.FirstWeight"/>).</summary>
    private Tensor FirstLayer(MultiTaskInput input, FusedLayers fused)
    {
        if (input.Groups is not { } groups)
            return nn.functional.linear(Inputs(input, skipField: null), fused.FirstWeight, fused.FirstBias);
        // The groups' part spread to their rows, then the varying part added by the same product (addmm: no separate sum).
        var (sharedPart, varyingWeightT) = GroupedParts(input, groups, fused);
        var varying = groups.VaryingField;
        var categorical = Copied(input.Categorical.Span, [input.Rows, Config.Fields.Count], ScalarType.Int64);
        return torch.addmm(sharedPart.index_select(0, Copied(groups.GroupOfRow.Span, [input.Rows], ScalarType.Int64)),
            tables[varying].index_select(0, categorical.select(1, varying)), varyingWeightT, 1f, 1f);
    }

    /// <summary>
    /// W x + b = W_v x_v + (W_s x_s + b) for rows grouped by all inputs but the varying field v: the second term once per
    /// group ([groups, E·H + T·E]), and W_v transposed ([width of v, E·H + T·E]).
    /// </summary>
    private (Tensor SharedPart, Tensor VaryingWeightT) GroupedParts(MultiTaskInput input, RowGroups groups, FusedLayers fused)
    {
        var varying = groups.VaryingField;
        var (from, width) = (Config.FieldOffset(varying), Config.Fields[varying].Dimension);
        // The first row of each group stands for the group: only those rows' inputs become tensors.
        var shared = Inputs(input.SelectRows(groups.FirstRows(), Config), skipField: varying);
        var (sharedWeight, varyingWeightT) = fused.Split(from, width);
        return (nn.functional.linear(shared, sharedWeight, fused.FirstBias), varyingWeightT);
    }

    /// <summary>
    /// The input x of the rows ([rows, width]: the fields' embeddings, the pooled bag, the dense features), without the
    /// columns of <paramref name="skipField"/> when one is given.
    /// </summary>
    private Tensor Inputs(MultiTaskInput input, int? skipField)
    {
        var fields = Config.Fields.Count;
        var categorical = Copied(input.Categorical.Span, [input.Rows, fields], ScalarType.Int64);
        var parts = new List<Tensor>(fields + 2);
        for (var f = 0; f < fields; f++)
            if (f != skipField) parts.Add(tables[f].index_select(0, categorical.select(1, f)));
        if (Config.BagField is { } bag)
        {
            var pooled = MeanOfBags(input, tables[bag], input.BagCount, Config.Fields[bag].Dimension);
            parts.Add(input.RowBags is not { } rowBags ? pooled : pooled.index_select(0, Copied(rowBags.Span, [input.Rows], ScalarType.Int64)));
        }
        if (Config.DenseWidth > 0) parts.Add(Copied(input.Dense.Span, [input.Rows, Config.DenseWidth], ScalarType.Float32));
        return SideBySide(parts, input.Rows);
    }

    /// <summary>
    /// The parts [rows, width_k] side by side, [rows, Σ width_k]: what <c>torch.cat(parts, 1)</c> gives. TorchSharp's
    /// <c>cat</c> (0.107) hands the tensors to libtorch in a <c>PinnedArray</c> whose <c>Dispose</c> does not suppress its
    /// finalizer, so every call left the collector an object to finalize (one per prediction batch, about a thousand a
    /// second in a service); copying each part into its columns leaves none. Gradients flow through the copies as
    /// through a cat.
    /// </summary>
    private static Tensor SideBySide(List<Tensor> parts, long rows)
    {
        long width = 0;
        foreach (var part in parts) width += part.size(1);
        var joined = torch.empty(rows, width);
        long at = 0;
        foreach (var part in parts)
        {
            var partWidth = part.size(1); // not part.shape, which TorchSharp returns through another such pinned array
            joined.narrow(1, at, partWidth).copy_(part);
            at += partWidth;
        }
        return joined;
    }

    /// <summary>
    /// A tensor holding a copy of <paramref name="values"/>. Unlike <c>torch.tensor(array)</c>, which clones the array
    /// into a pinned managed copy for each call, the copy is in native memory: a prediction allocates nothing the
    /// collector has to trace for its inputs, and the caller's buffers may be pooled.
    /// </summary>
    private static Tensor Copied<T>(ReadOnlySpan<T> values, long[] shape, ScalarType type) where T : unmanaged
    {
        var tensor = torch.empty(shape, type);
        MemoryMarshal.AsBytes(values).CopyTo(tensor.bytes);
        return tensor;
    }

    /// <summary>
    /// The layers joined by kind (<see cref="FusedLayers"/>). While training, or with gradients on, joined for this
    /// call from the current weights; in evaluation mode without gradients, joined once and kept until the mode is set
    /// again (<see cref="train"/>), which is when weights may change.
    /// </summary>
    private FusedLayers Fused()
    {
        if (training || torch.is_grad_enabled()) return JoinLayers(frozen: false);
        if (Volatile.Read(ref _frozen) is { } kept) return kept;
        lock (_freezing)
        {
            if (_frozen is null)
            {
                using (torch.no_grad())
                    Volatile.Write(ref _frozen, JoinLayers(frozen: true));
                // Weights no longer change: the large embedding tables, read at random rows, go to huge pages.
                foreach (var table in tables)
                    unsafe
                    {
                        var bytes = table.bytes;
                        fixed (byte* start = bytes) NativeHeap.PreferHugePages(start, bytes.Length);
                    }
            }
            return _frozen!;
        }
    }

    /// <summary>The layers as a prediction would use them now (kept ones in evaluation mode without gradients); for tests.</summary>
    internal FusedLayers InferenceLayers() => Fused();

    private FusedLayers JoinLayers(bool frozen) =>
        FusedLayers.Of(Layers(experts, 0).Concat(gates).ToList(), Layers(experts, 2), Layers(towers, 0), Layers(towers, 2), frozen);

    private FusedLayers? _frozen;
    private readonly object _freezing = new();

    /// <summary>Sets the mode and drops the layers joined for inference: weights are only changed outside evaluation (training, loading).</summary>
    /// <remarks>
    /// The dropped layers are left to their finalizers, not disposed: a prediction running on another thread may be
    /// reading them (a service's views of a growing catalogue share one network, and loading or training sets the mode).
    /// </remarks>
    public override void train(bool on = true)
    {
        base.train(on);
        lock (_freezing) _frozen = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _frozen?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// The mean embedding of each bag ([bags, dimension]; zeros for an empty bag). The bags are laid out as a
    /// padded [bags, longest bag] matrix of ids with weights 1/|bag| (0 on padding), so the pooling is one gather, one
    /// product and one sum, a fixed number of tensor operations whatever the number of ids (the sums and counts by
    /// <c>index_add</c> used before gave the same means).
    /// </summary>
    private static Tensor MeanOfBags(MultiTaskInput input, Tensor table, long bags, int dimension)
    {
        var bagIds = input.BagIds.Span;
        var bagRows = input.BagRows.Span;
        var sizes = new int[bags];
        foreach (var bag in bagRows) sizes[bag]++;
        var longest = sizes.Length == 0 ? 0 : sizes.Max();
        if (longest == 0) return torch.zeros(bags, dimension);
        var ids = new long[bags * longest];
        var weights = new float[bags * longest];
        var filled = new int[bags];
        for (var k = 0; k < bagIds.Length; k++)
        {
            var bag = bagRows[k];
            var at = bag * longest + filled[bag]++;
            ids[at] = bagIds[k];
            weights[at] = 1f / sizes[bag];
        }
        var gathered = table.index_select(0, Copied<long>(ids, [ids.Length], ScalarType.Int64)).view(bags, longest, dimension);
        return (gathered * Copied<float>(weights, [bags, longest, 1], ScalarType.Float32)).sum(1);
    }

    /// <summary>
    /// Experts, gates and towers from the first layer's output [B, E·H + T·E] (the experts' first layers and the
    /// gates, see <see cref="FusedLayers.FirstWeight"/>), with the layers of each kind applied together: the experts' second
    /// layers and the towers as batched products (bmm) over stacked weights. The same function as applying each layer
    /// alone, in about 15 torch operations instead of about 85, which is what a call on a thousand rows mostly spent
    /// its time on; the weights stay in their own layers, so checkpoints are unchanged and gradients reach them
    /// through the concatenations.
    /// </summary>
    private Tensor Heads(Tensor firstLayer, long rows, FusedLayers fused)
    {
        var e = Config.ExpertCount;
        var tasks = Config.Tasks;
        var expertWidth = e * Config.ExpertHidden;
        var hidden = nn.functional.relu(firstLayer.narrow(1, 0, expertWidth)).view(rows, e, Config.ExpertHidden).transpose(0, 1); // [E, B, H]
        var outputs = Batched(hidden, fused.ExpertOutput).relu_(); // [E, B, O]
        var mixed = e == 1
            ? outputs.expand(tasks, rows, Config.ExpertOutput)
            : torch.bmm(Gates(firstLayer.narrow(1, expertWidth, tasks * e), rows), outputs.transpose(0, 1)).transpose(0, 1); // [B, T, E] x [B, E, O] -> [T, B, O]
        var towerHidden = Batched(mixed, fused.TowerHidden).relu_(); // [T, B, Th]
        return Batched(towerHidden, fused.TowerOutput).squeeze(2).t().contiguous(); // [T, B, 1] -> [B, T]
    }

    /// <summary>
    /// Each task's softmax over the experts, [B, T, E] from the gate logits [B, T·E]. Taken over the first dimension
    /// of the transposed logits: libtorch's softmax over a last dimension of 3 took 7 times as long on a thousand rows
    /// (373 against 54 µs), a fifth of the whole forward.
    /// </summary>
    private Tensor Gates(Tensor logits, long rows)
    {
        var (tasks, e) = (Config.Tasks, Config.ExpertCount);
        return logits.reshape(rows * tasks, e).t().softmax(0).t().reshape(rows, tasks, e);
    }

    /// <summary>Layer <paramref name="index"/> of each stack.</summary>
    private static List<Linear> Layers(ModuleList<Sequential> stacks, int index) => stacks.Select(s => (Linear)s[index]).ToList();

    /// <summary>Layer k on input k [N, B, in], for all k at once: [N, B, out].</summary>
    /// <remarks>
    /// baddbmm starts from the biases and lets the product add onto them: against bmm followed by an addition, one
    /// pass over the output fewer and no zeroing of it before the product.
    /// </remarks>
    private static Tensor Batched(Tensor inputs, (Tensor Bias, Tensor Weight) layers) => BiasPlusProduct(layers.Bias, inputs, layers.Weight);

    /// <summary>bias + batch1 · batch2 (libtorch's baddbmm; bias broadcast over the batch's rows).</summary>
    /// <remarks>
    /// TorchSharp 0.107 hands baddbmm's operands to libtorch rotated: <c>a.baddbmm(b, c)</c> computes c + a · b, not
    /// a + b · c as documented (both its static and its instance form). Hence the order below; a test pins the
    /// behaviour (<c>TorchRuntimeTests</c>), so a TorchSharp that fixes it fails there rather than here.
    /// </remarks>
    internal static Tensor BiasPlusProduct(Tensor bias, Tensor batch1, Tensor batch2) => batch1.baddbmm(batch2, bias, 1f, 1f);

    // No Scalar objects in the forward: TorchSharp's `+` makes a temporary Scalar for the alpha 1, and with two
    // dispatcher threads allocating (and collecting) heavily such calls failed inside libtorch ("Exception raised from
    // toFloat at c10/core/Scalar.h"; earlier, with index_add's alpha, "INTERNAL ASSERT FAILED at c10/core/Scalar.h"),
    // likely the temporary's native handle freed by its finalizer while libtorch still read it. addmm and baddbmm
    // pass their factors as plain floats.

    /// <summary>The same function as <see cref="Heads"/>, one layer at a time: the reference the fused version is tested against.</summary>
    private Tensor HeadsLayerByLayer(Tensor x)
    {
        var outputs = experts.Select(e => e.call(x)).ToList();
        var logits = new List<Tensor>(Config.Tasks);
        Tensor? stacked = outputs.Count > 1 ? torch.stack(outputs, 1) : null; // [B, E, O]
        for (var t = 0; t < Config.Tasks; t++)
        {
            var mixed = stacked is null
                ? outputs[0]
                : (stacked * gates[t].call(x).softmax(1).unsqueeze(-1)).sum(1);
            logits.Add(towers[t].call(mixed));
        }
        return torch.cat(logits, 1);
    }
}
