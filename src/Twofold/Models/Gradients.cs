using TorchSharp;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// A checked front for <c>torch.autograd.grad</c> (TorchSharp 0.107.0:
/// <c>grad(IList&lt;Tensor&gt; outputs, IList&lt;Tensor&gt; inputs, IList&lt;Tensor&gt; grad_outputs = null,
/// bool retain_graph = false, bool create_graph = false, bool allow_unused = false)</c>).
/// </summary>
/// <remarks>
/// Its native side (THSAutograd_grad) does not catch libtorch errors, so asking for the gradient of a
/// tensor that does not require grad, or with respect to a tensor the output does not depend on,
/// terminates the process. This class checks what it can up front, passes <c>allow_unused</c> and
/// turns unused inputs into zero gradients. It also sets <c>retain_graph</c> whenever <c>create_graph</c>
/// is set: unlike PyTorch, TorchSharp does not default retain_graph to create_graph, and differentiating a
/// gradient whose graph was freed aborts the process too.
/// </remarks>
public static class Gradients
{
    /// <summary>Gradients of the scalar <paramref name="output"/> with respect to each of <paramref name="inputs"/>.</summary>
    /// <param name="output">A one-element floating-point tensor that requires grad.</param>
    /// <param name="inputs">Tensors that require grad (typically parameters).</param>
    /// <param name="createGraph">Build a graph for the gradients so they can be differentiated again (second order).</param>
    /// <param name="retainGraph">Keep the graph of <paramref name="output"/> for another backward pass (implied by <paramref name="createGraph"/>).</param>
    /// <returns>One gradient per input, same shape as the input; zeros where the output does not depend on it.</returns>
    public static Tensor[] Of(Tensor output, IReadOnlyList<Tensor> inputs, bool createGraph = false, bool retainGraph = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(inputs);
        TorchRuntime.EnsureLoaded();
        if (output.numel() != 1)
            throw new ArgumentException($"Expected a scalar output (1 element), actual shape [{string.Join(", ", output.shape)}].", nameof(output));
        if (!output.is_floating_point())
            throw new ArgumentException($"Expected a floating-point output, actual dtype {output.dtype}.", nameof(output));
        if (!output.requires_grad)
            throw new ArgumentException("Expected an output that requires grad (computed from tensors with requires_grad), actual requires_grad = false.", nameof(output));
        if (inputs.Count == 0)
            throw new ArgumentException("Expected at least one input, actual none.", nameof(inputs));
        for (int k = 0; k < inputs.Count; k++)
        {
            if (inputs[k] is null)
                throw new ArgumentException($"Expected a tensor, actual inputs[{k}] = null.", nameof(inputs));
            if (!inputs[k].requires_grad)
                throw new ArgumentException($"Expected inputs[{k}] to require grad, actual requires_grad = false.", nameof(inputs));
        }

        IList<Tensor> grads = torch.autograd.grad([output], inputs.ToList(),
            retain_graph: createGraph || retainGraph, create_graph: createGraph, allow_unused: true);
        var result = new Tensor[inputs.Count];
        for (int k = 0; k < result.Length; k++)
            result[k] = grads[k].IsInvalid ? torch.zeros_like(inputs[k]) : grads[k];
        return result;
    }
}
