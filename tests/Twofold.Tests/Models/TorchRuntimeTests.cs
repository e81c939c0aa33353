using TorchSharp;
using Twofold.Models;
using static TorchSharp.torch;

namespace Twofold.Tests.Models;

public class TorchRuntimeTests
{
    [Fact]
    public void NativeLibraryLoadsAndMatMulWorks()
    {
        TorchRuntime.EnsureLoaded();
        TorchRuntime.EnsureLoaded(); // idempotent

        using var scope = torch.NewDisposeScope();
        Tensor a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        Tensor b = torch.tensor(new float[] { 5, 6 }, 2, 1);
        TensorGuard.MatMul(a, b, nameof(a), nameof(b));
        float[] c = a.matmul(b).data<float>().ToArray();
        Assert.Equal(new float[] { 17, 39 }, c);
    }

    [Fact]
    public void The_networks_bias_plus_product_is_baddbmm_with_the_bias_broadcast_over_rows()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        var bias = torch.arange(8f).reshape(2, 1, 4);
        var batch1 = torch.rand(2, 5, 3);
        var batch2 = torch.rand(2, 3, 4);
        var result = MultiTaskNetwork.BiasPlusProduct(bias, batch1, batch2);
        Assert.Equal(new long[] { 2, 5, 4 }, result.shape);
        Assert.True(torch.allclose(result, torch.bmm(batch1, batch2) + bias));
    }

    [Fact]
    public void ShimIsLoadedExactlyWhenTheBuildPutItNextToTheAssembly()
    {
        TorchRuntime.EnsureLoaded();
        string shim = Path.Combine(AppContext.BaseDirectory, TorchRuntime.ShimFileName);
        Assert.Equal(File.Exists(shim) ? shim : null, TorchRuntime.LoadedShimPath);
    }

    [Fact]
    public void EnsureLoadedIsThreadSafe()
    {
        Parallel.For(0, 8, _ => TorchRuntime.EnsureLoaded());
        using Tensor t = torch.arange(4, dtype: ScalarType.Int64);
        Assert.Equal(6L, t.sum().item<long>());
    }
}
