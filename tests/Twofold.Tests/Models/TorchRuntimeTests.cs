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
