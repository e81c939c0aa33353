using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// A deliberately small scorer for (user, item) pairs: one sum-mode embedding bag per side (each pair's
/// bag holds one id for now), concatenated, then a tanh MLP to one logit. It is the reference pattern for Twofold's torch models:
/// <list type="number">
/// <item><see cref="TorchRuntime.EnsureLoaded"/> before any torch call;</item>
/// <item>every public entry point validates shapes, dtypes and id ranges with <see cref="TensorGuard"/>
///   before libtorch sees the data (a libtorch error would terminate the process, see docs/torch.md);</item>
/// <item>intermediates live in a dispose scope.</item>
/// </list>
/// The whole forward pass is twice differentiable (second-order gradients with
/// <c>torch.autograd.grad(..., create_graph: true)</c>): the activation is tanh, and the bags are built
/// from <c>index_select</c> + <c>index_add</c> instead of <c>nn.EmbeddingBag</c>, whose backward
/// (<c>_embedding_bag_backward</c>) has no derivative in libtorch 2.10; differentiating through it a
/// second time raises a c10 error that TorchSharp 0.107.0 does not catch, so the process aborts.
/// </summary>
public sealed class TinyScorer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Parameter users;
    private readonly Parameter items;
    private readonly Linear hidden;
    private readonly Linear output;

    /// <param name="userCount">Rows of the user table; valid user ids are [0, userCount).</param>
    /// <param name="itemCount">Rows of the item table; valid item ids are [0, itemCount).</param>
    /// <param name="embeddingDim">Width of each embedding.</param>
    /// <param name="hiddenDim">Width of the hidden layer.</param>
    /// <param name="dtype">Parameter type: Float32 or Float64.</param>
    /// <param name="seed">When set, seeds torch's global generator before initialising the weights (see <see cref="TorchRuntime.Seeded"/>).</param>
    public TinyScorer(long userCount, long itemCount, long embeddingDim = 8, long hiddenDim = 16,
        ScalarType dtype = ScalarType.Float32, long? seed = null) : base(nameof(TinyScorer))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(userCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenDim, 1);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"Expected dtype Float32 or Float64, actual {dtype}.", nameof(dtype));

        TorchRuntime.EnsureLoaded();

        UserCount = userCount;
        ItemCount = itemCount;
        DType = dtype;
        (users, items, hidden, output) = TorchRuntime.Seeded(seed, () => (
            nn.Parameter(nn.init.normal_(torch.empty(userCount, embeddingDim, dtype: dtype), std: 0.1)),
            nn.Parameter(nn.init.normal_(torch.empty(itemCount, embeddingDim, dtype: dtype), std: 0.1)),
            nn.Linear(2 * embeddingDim, hiddenDim, dtype: dtype),
            nn.Linear(hiddenDim, 1, dtype: dtype)));
        RegisterComponents();
    }

    public long UserCount { get; }
    public long ItemCount { get; }
    public ScalarType DType { get; }

    /// <summary>
    /// Scores pairs (users[k], items[k]). Ids are validated against the table sizes before torch is called.
    /// </summary>
    /// <returns>One logit per pair.</returns>
    /// <exception cref="ArgumentException">Lengths differ or an id is outside its table.</exception>
    public float[] Score(long[] users, long[] items)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        TensorGuard.SameLength(items.Length, users.Length, nameof(items), nameof(users));
        TensorGuard.IndexRange(users, UserCount, nameof(users));
        TensorGuard.IndexRange(items, ItemCount, nameof(items));
        if (users.Length == 0) return [];

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor logits = forward(torch.tensor(users), torch.tensor(items));
        return logits.to_type(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>
    /// Logits for a batch: <paramref name="users"/> and <paramref name="items"/> are int64 vectors of equal
    /// length with ids inside the tables. Validated like <see cref="Score"/>; keeps the autograd graph.
    /// </summary>
    public override Tensor forward(Tensor users, Tensor items)
    {
        TensorGuard.Rank(users, 1, nameof(users));
        TensorGuard.Rank(items, 1, nameof(items));
        TensorGuard.SameLength(items.shape[0], users.shape[0], nameof(items), nameof(users));
        TensorGuard.IndexRange(users, UserCount, nameof(users));
        TensorGuard.IndexRange(items, ItemCount, nameof(items));
        long n = users.shape[0];
        if (n == 0) return torch.empty(0, dtype: DType);

        using Tensor bags = torch.arange(n, dtype: ScalarType.Int64); // pair k's ids go to bag k
        using Tensor u = EmbeddingBagSum(this.users, users, bags, n);
        using Tensor i = EmbeddingBagSum(this.items, items, bags, n);
        using Tensor x = torch.cat([u, i], 1);
        using Tensor h = hidden.call(x);
        using Tensor a = h.tanh();
        using Tensor o = output.call(a);
        return o.squeeze(-1);
    }

    /// <summary>
    /// Sum-mode embedding bag: row b of the result is the sum of <c>table[ids[k]]</c> over all k with
    /// <c>bags[k] == b</c>. Callers have validated ids against the table and bags against <paramref name="bagCount"/>.
    /// </summary>
    private static Tensor EmbeddingBagSum(Tensor table, Tensor ids, Tensor bags, long bagCount)
    {
        using Tensor rows = table.index_select(0, ids);
        using Tensor zeros = torch.zeros(bagCount, table.shape[1], dtype: table.dtype);
        return zeros.index_add(0, bags, rows, 1);
    }
}
