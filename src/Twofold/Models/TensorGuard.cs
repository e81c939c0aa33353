using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// Argument checks to run before handing data to libtorch.
/// </summary>
/// <remarks>
/// In TorchSharp 0.107.0 many native entry points do not catch C++ exceptions, so a libtorch error
/// (a shape mismatch, an embedding id out of range) terminates the whole process with
/// "terminate called after throwing an instance of 'c10::Error'" instead of raising a .NET exception.
/// Every public model entry point therefore validates its inputs with these checks first. Each check
/// throws <see cref="ArgumentException"/> naming the argument, the expected and the actual value.
/// The tensor checks only read metadata (shape, dtype) or run reductions that cannot fail on the
/// tensors that reach them.
/// </remarks>
public static class TensorGuard
{
    /// <summary>Requires <paramref name="tensor"/> to have exactly <paramref name="rank"/> dimensions.</summary>
    public static void Rank(Tensor tensor, int rank, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (tensor.dim() != rank)
            throw new ArgumentException($"Expected a tensor of rank {rank}, actual rank {tensor.dim()} (shape {Format(tensor.shape)}).", paramName);
    }

    /// <summary>Requires the shape of <paramref name="tensor"/> to equal <paramref name="expected"/>; -1 matches any size.</summary>
    public static void Shape(Tensor tensor, ReadOnlySpan<long> expected, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        long[] actual = tensor.shape;
        bool ok = actual.Length == expected.Length;
        for (int i = 0; ok && i < actual.Length; i++) ok = expected[i] == -1 || expected[i] == actual[i];
        if (!ok)
            throw new ArgumentException($"Expected shape {Format(expected)} (-1 = any), actual shape {Format(actual)}.", paramName);
    }

    /// <summary>Requires two tensors to have the same shape.</summary>
    public static void SameShape(Tensor tensor, Tensor other, string paramName, string otherName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        ArgumentNullException.ThrowIfNull(other, otherName);
        if (!tensor.shape.AsSpan().SequenceEqual(other.shape))
            throw new ArgumentException($"Expected the shape of '{otherName}', {Format(other.shape)}, actual shape {Format(tensor.shape)}.", paramName);
    }

    /// <summary>Requires <c>left.matmul(right)</c> to be defined for 2-D operands: left is [n, k], right is [k, m].</summary>
    public static void MatMul(Tensor left, Tensor right, string leftName, string rightName)
    {
        Rank(left, 2, leftName);
        Rank(right, 2, rightName);
        if (left.shape[1] != right.shape[0])
            throw new ArgumentException(
                $"Expected {rightName} to have {left.shape[1]} rows to multiply {leftName} {Format(left.shape)}, actual shape {Format(right.shape)}.", rightName);
        SameDType(right, left, rightName, leftName);
    }

    /// <summary>Requires <paramref name="tensor"/> to have element type <paramref name="expected"/>.</summary>
    public static void DType(Tensor tensor, ScalarType expected, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (tensor.dtype != expected)
            throw new ArgumentException($"Expected dtype {expected}, actual dtype {tensor.dtype}.", paramName);
    }

    /// <summary>Requires two tensors to have the same element type.</summary>
    public static void SameDType(Tensor tensor, Tensor other, string paramName, string otherName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        ArgumentNullException.ThrowIfNull(other, otherName);
        if (tensor.dtype != other.dtype)
            throw new ArgumentException($"Expected the dtype of '{otherName}', {other.dtype}, actual dtype {tensor.dtype}.", paramName);
    }

    /// <summary>Requires two sequences to have the same length.</summary>
    public static void SameLength(long length, long otherLength, string paramName, string otherName)
    {
        if (length != otherLength)
            throw new ArgumentException($"Expected the length of '{otherName}', {otherLength}, actual length {length}.", paramName);
    }

    /// <summary>Requires every id to lie in [0, <paramref name="count"/>), e.g. the rows of an embedding table.</summary>
    public static void IndexRange(ReadOnlySpan<long> ids, long count, string paramName)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if ((ulong)ids[i] >= (ulong)count)
                throw new ArgumentException($"Expected ids in [0, {count}), actual {paramName}[{i}] = {ids[i]}.", paramName);
        }
    }

    /// <summary>Tensor form of <see cref="IndexRange(ReadOnlySpan{long}, long, string)"/>: an int64 tensor with all values in [0, count).</summary>
    public static void IndexRange(Tensor ids, long count, string paramName)
    {
        DType(ids, ScalarType.Int64, paramName);
        if (ids.numel() == 0) return;
        long min = ids.min().item<long>();
        long max = ids.max().item<long>();
        if (min < 0 || max >= count)
            throw new ArgumentException($"Expected ids in [0, {count}), actual range [{min}, {max}].", paramName);
    }

    /// <summary>Requires every value to be finite (no NaN, no infinity).</summary>
    public static void Finite(ReadOnlySpan<float> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"Expected finite values, actual {paramName}[{i}] = {values[i]}.", paramName);
        }
    }

    /// <summary>Requires every value of a floating-point tensor to be finite; other dtypes always pass.</summary>
    public static void Finite(Tensor tensor, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tensor, paramName);
        if (!tensor.is_floating_point() || tensor.numel() == 0) return;
        using Tensor finite = isfinite(tensor);
        using Tensor all = finite.all();
        if (!all.item<bool>())
        {
            using Tensor bad = finite.logical_not().sum();
            throw new ArgumentException($"Expected finite values, actual {bad.item<long>()} of {tensor.numel()} are NaN or infinite.", paramName);
        }
    }

    private static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
