using TorchSharp;
using Twofold.Models;
using static TorchSharp.torch;

namespace Twofold.Tests.Models;

/// <summary>Second-order gradients through torch.autograd.grad(create_graph: true).</summary>
public class SecondOrderGradientTests
{
    [Fact]
    public void HessianVectorProductOfCubicMatchesClosedForm()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        Tensor w = torch.tensor(new double[] { 0.5, -1.0, 2.0 }, requires_grad: true);
        Tensor v = torch.tensor(new double[] { 1.0, 2.0, -0.5 });

        Tensor f = w.pow(3).sum();                                      // f(w) = sum w^3
        // TorchSharp's retain_graph defaults to false even with create_graph (PyTorch: defaults to create_graph).
        Tensor g = torch.autograd.grad([f], [w], retain_graph: true, create_graph: true)[0]; // 3 w^2
        Tensor hv = torch.autograd.grad([(g * v).sum()], [w])[0];       // H v = 6 w * v

        Assert.Equal(new[] { 3.0, -12.0, -6.0 }, hv.data<double>().ToArray());
    }

    [Fact]
    public void HessianVectorProductOfTinyScorerLossMatchesFiniteDifferences()
    {
        using var scope = torch.NewDisposeScope();
        var model = new TinyScorer(userCount: 5, itemCount: 7, embeddingDim: 3, hiddenDim: 4, dtype: ScalarType.Float64, seed: 7);
        List<Tensor> parameters = model.parameters().Cast<Tensor>().ToList();
        long[] users = [0, 1, 2, 3, 4, 1, 2];
        long[] items = [0, 2, 4, 6, 1, 3, 3];
        Tensor targets = torch.tensor(new double[] { 1, 0, 1, 1, 0, 0, 1 });

        Tensor Loss()
        {
            Tensor logits = model.forward(torch.tensor(users), torch.tensor(items));
            return nn.functional.binary_cross_entropy_with_logits(logits, targets);
        }

        // A fixed random direction, one block per parameter.
        var random = new Random(42);
        List<Tensor> direction = parameters
            .Select(p => torch.tensor(Enumerable.Range(0, (int)p.numel()).Select(_ => random.NextDouble() * 2 - 1).ToArray(), p.shape))
            .ToList();

        // H v by double backpropagation.
        Tensor[] grads = Gradients.Of(Loss(), parameters, createGraph: true);
        Tensor gv = torch.zeros(1, dtype: ScalarType.Float64);
        for (int k = 0; k < grads.Length; k++) gv = gv + (grads[k] * direction[k]).sum();
        Tensor[] hv = Gradients.Of(gv, parameters);

        // H v by central differences of the first-order gradient: (g(w + eps v) - g(w - eps v)) / (2 eps).
        const double eps = 1e-5;
        Tensor[] GradientAt(double step)
        {
            using (torch.no_grad())
                for (int k = 0; k < parameters.Count; k++) parameters[k].add_(direction[k] * step);
            Tensor[] g = Gradients.Of(Loss(), parameters);
            using (torch.no_grad())
                for (int k = 0; k < parameters.Count; k++) parameters[k].sub_(direction[k] * step);
            return g;
        }
        Tensor[] plus = GradientAt(eps), minus = GradientAt(-eps);

        double norm = 0;
        for (int k = 0; k < parameters.Count; k++)
        {
            double[] exact = hv[k].data<double>().ToArray();
            double[] numeric = ((plus[k] - minus[k]) / (2 * eps)).data<double>().ToArray();
            for (int j = 0; j < exact.Length; j++)
            {
                norm += exact[j] * exact[j];
                Assert.True(Math.Abs(exact[j] - numeric[j]) <= 1e-6 + 1e-4 * Math.Abs(numeric[j]),
                    $"parameter {k}, element {j}: H v = {exact[j]}, finite difference = {numeric[j]}");
            }
        }
        Assert.True(norm > 1e-8, "H v is zero; the check would be vacuous");
    }

    [Fact]
    public void GradientsRejectsWhatWouldAbortTheProcess()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        Tensor w = torch.ones(3, requires_grad: true);
        Tensor constant = torch.ones(3);

        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Gradients.Of(w * 2, [w])).ParamName);             // not a scalar
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Gradients.Of(constant.sum(), [w])).ParamName);     // no grad
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => Gradients.Of(w.sum(), [constant])).ParamName);     // input without grad
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => Gradients.Of(w.sum(), [])).ParamName);

        Tensor unused = torch.ones(2, requires_grad: true);
        Tensor[] g = Gradients.Of((w * w).sum(), [w, unused]);
        Assert.Equal(new float[] { 2, 2, 2 }, g[0].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 0 }, g[1].data<float>().ToArray());
    }
}
