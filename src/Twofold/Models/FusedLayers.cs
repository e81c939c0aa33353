using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// The layers of a <see cref="MultiTaskNetwork"/> joined by kind, in the form its fused forward multiplies with: every
/// layer that reads the input x as one [out, width] weight, and the experts' second layers and the towers' two layers
/// as stacks [N, in, out] with biases [N, 1, out].
/// </summary>
/// <remarks>
/// Built from the layers' own parameters, so a training step's gradients reach them through the concatenations. For
/// inference the network builds them once and keeps them (<see cref="MultiTaskNetwork"/>): joining and transposing
/// the weights was a tenth of a forward on a thousand rows, done again for every call.
/// </remarks>
internal sealed class FusedLayers : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private readonly Dictionary<(long From, long Width), (Tensor Shared, Tensor VaryingT)> _splits = [];
    private readonly bool _keepSplits;

    private FusedLayers(bool keepSplits) => _keepSplits = keepSplits;

    /// <summary>The experts' first layers, then the gates: [E·H + T·E, width].</summary>
    public Tensor FirstWeight { get; private init; } = null!;
    public Tensor FirstBias { get; private init; } = null!;
    public (Tensor Bias, Tensor Weight) ExpertOutput { get; private init; }
    public (Tensor Bias, Tensor Weight) TowerHidden { get; private init; }
    public (Tensor Bias, Tensor Weight) TowerOutput { get; private init; }

    /// <param name="frozen">
    /// Build tensors that outlive the caller's dispose scope and keep the first layer's splits (inference, weights no
    /// longer changing); otherwise the tensors belong to the current scope, like any intermediate of a training step.
    /// </param>
    public static FusedLayers Of(IReadOnlyList<Linear> firstLayers, IReadOnlyList<Linear> expertOutputs, IReadOnlyList<Linear> towerHidden,
        IReadOnlyList<Linear> towerOutputs, bool frozen)
    {
        var owned = new List<Tensor>();
        Tensor Keep(Tensor t)
        {
            if (!frozen) return t;
            t.DetachFromDisposeScope();
            owned.Add(t);
            return t;
        }
        (Tensor, Tensor) Stack(IReadOnlyList<Linear> layers) => (
            Keep(torch.stack(layers.Select(l => (Tensor)l.bias!).ToList(), 0).unsqueeze(1)),
            Keep(torch.stack(layers.Select(l => (Tensor)l.weight!).ToList(), 0).transpose(1, 2).contiguous()));

        var fused = new FusedLayers(keepSplits: frozen)
        {
            FirstWeight = Keep(torch.cat(firstLayers.Select(l => (Tensor)l.weight!).ToList(), 0)),
            FirstBias = Keep(torch.cat(firstLayers.Select(l => (Tensor)l.bias!).ToList(), 0)),
            ExpertOutput = Stack(expertOutputs),
            TowerHidden = Stack(towerHidden),
            TowerOutput = Stack(towerOutputs),
        };
        fused._owned.AddRange(owned);
        if (frozen) fused.Kernel = KernelOf(fused, expertOutputs.Count, towerHidden.Count);
        return fused;
    }

    /// <summary>The heads as a CPU kernel (<see cref="HeadsKernel"/>); only for frozen layers, null otherwise.</summary>
    public HeadsKernel? Kernel { get; private set; }

    private static HeadsKernel KernelOf(FusedLayers fused, int experts, int tasks)
    {
        static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();
        var (hidden, output) = ((int)fused.ExpertOutput.Weight.shape[1], (int)fused.ExpertOutput.Weight.shape[2]);
        var towerHidden = (int)fused.TowerHidden.Weight.shape[2];
        using var scope = torch.NewDisposeScope();
        return new HeadsKernel(experts, hidden, output, tasks, towerHidden,
            Values(fused.ExpertOutput.Weight), Values(fused.ExpertOutput.Bias), Values(fused.TowerHidden.Weight), Values(fused.TowerHidden.Bias),
            Values(fused.TowerOutput.Weight), Values(fused.TowerOutput.Bias));
    }

    /// <summary>
    /// The first layer split at the input columns [from, from + width): the weight of the other columns [out, width − w]
    /// and the columns' own weight transposed [w, out], for W x = W_s x_s + W_v x_v.
    /// </summary>
    public (Tensor Shared, Tensor VaryingT) Split(long from, long width)
    {
        if (!_keepSplits) return MakeSplit(from, width);
        lock (_splits)
        {
            if (_splits.TryGetValue((from, width), out var split)) return split;
            using (torch.NewDisposeScope())
            {
                var (shared, varyingT) = MakeSplit(from, width);
                shared.DetachFromDisposeScope();
                varyingT.DetachFromDisposeScope();
                _owned.Add(shared);
                _owned.Add(varyingT);
                return _splits[(from, width)] = (shared, varyingT);
            }
        }
    }

    private (Tensor Shared, Tensor VaryingT) MakeSplit(long from, long width)
    {
        var total = FirstWeight.shape[1];
        var shared = torch.cat(new[] { FirstWeight.narrow(1, 0, from), FirstWeight.narrow(1, from + width, total - from - width) }, 1);
        return (shared, FirstWeight.narrow(1, from, width).t().contiguous());
    }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
