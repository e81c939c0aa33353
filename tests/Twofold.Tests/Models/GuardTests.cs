using TorchSharp;
using Twofold.Models;
using static TorchSharp.torch;

namespace Twofold.Tests.Models;

/// <summary>Bad input must surface as ArgumentException before libtorch sees it (a libtorch error would end the process).</summary>
public class GuardTests
{
    private static readonly TinyScorer Model = new(userCount: 4, itemCount: 6, seed: 3);

    [Fact]
    public void ScoreReturnsOneFiniteLogitPerPair()
    {
        float[] scores = Model.Score([0, 3, 1], [5, 0, 2]);
        Assert.Equal(3, scores.Length);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        Assert.Empty(Model.Score([], []));
    }

    [Theory]
    [InlineData(4L, 0L, "users")]
    [InlineData(-1L, 0L, "users")]
    [InlineData(0L, 6L, "items")]
    [InlineData(0L, long.MinValue, "items")]
    public void IdsOutOfRangeAreRejected(long user, long item, string param)
    {
        var e = Assert.Throws<ArgumentException>(() => Model.Score([0, user], [1, item]));
        Assert.Equal(param, e.ParamName);
        Assert.Contains("[0, ", e.Message);
        AssertProcessStillScores();
    }

    [Fact]
    public void MismatchedLengthsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Model.Score([0, 1, 2], [0, 1]));
        Assert.Equal("items", e.ParamName);
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
        AssertProcessStillScores();
    }

    [Fact]
    public void ForwardRejectsWrongShapeDTypeAndRange()
    {
        using var scope = torch.NewDisposeScope();
        Tensor matrix = torch.zeros(2, 2, dtype: ScalarType.Int64);
        Tensor ids = torch.tensor(new long[] { 0, 1 });
        Assert.Equal("users", Assert.Throws<ArgumentException>(() => Model.forward(matrix, ids)).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => Model.forward(ids, torch.tensor(new[] { 0, 1 }))).ParamName); // int32
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => Model.forward(ids, torch.tensor(new long[] { 0 }))).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => Model.forward(ids, torch.tensor(new long[] { 0, 6 }))).ParamName);
        AssertProcessStillScores();
    }

    [Fact]
    public void MatMulGuardCatchesWhatWouldAbortTheProcess()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        Tensor a = torch.ones(2, 3), b = torch.ones(2, 3);
        var e = Assert.Throws<ArgumentException>(() => TensorGuard.MatMul(a, b, nameof(a), nameof(b)));
        Assert.Equal("b", e.ParamName);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => TensorGuard.MatMul(a, torch.ones(3, 1, dtype: ScalarType.Float64), nameof(a), nameof(b)));
        TensorGuard.MatMul(a, torch.ones(3, 1), nameof(a), nameof(b));
    }

    [Fact]
    public void OtherGuardsNameArgumentExpectedAndActual()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        Tensor t = torch.zeros(2, 3);
        Assert.Contains("rank 1, actual rank 2", Assert.Throws<ArgumentException>(() => TensorGuard.Rank(t, 1, "t")).Message);
        Assert.Contains("[2, 4]", Assert.Throws<ArgumentException>(() => TensorGuard.Shape(t, [2, 4], "t")).Message);
        TensorGuard.Shape(t, [-1, 3], "t");
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => TensorGuard.DType(t, ScalarType.Int64, "t")).Message);
        Assert.Equal("u", Assert.Throws<ArgumentException>(() => TensorGuard.SameShape(torch.zeros(3), t, "u", "t")).ParamName);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => TensorGuard.Finite([1f, float.NaN], "x")).Message);
        Assert.Contains("1 of 2", Assert.Throws<ArgumentException>(() => TensorGuard.Finite(torch.tensor(new[] { 1f, float.PositiveInfinity }), "x")).Message);
        TensorGuard.Finite(torch.tensor(new[] { 1f, 2f }), "x");
        Assert.Contains("[-2, 1]", Assert.Throws<ArgumentException>(() => TensorGuard.IndexRange(torch.tensor(new long[] { 1, -2 }), 5, "ids")).Message);
    }

    private static void AssertProcessStillScores() => Assert.Single(Model.Score([1], [1]));
}
