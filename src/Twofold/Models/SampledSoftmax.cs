using TorchSharp;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// In-batch sampled softmax with log-Q correction, written once for both retrieval directions: the query is a user and
/// the candidates items, or the query is an item and the candidates users.
/// </summary>
/// <remarks>
/// For a batch of B positive pairs (q_b, c_b), row b of the logit matrix holds s(q_b, c) = q_b·c / τ − log Q(c) for every
/// candidate c of the batch (and the M extra random negatives, if any); the loss is the mean cross-entropy with the
/// positive c_b as the target. Q(c) is the expected number of times c appears among a row's candidates:
/// B·p(c) + M/N, with p(c) the candidate's frequency among the training positives and N the candidate count; with
/// M = 0 this is log p(c) up to a constant that cancels in the softmax (Yi et al., RecSys 2019). Another row's
/// positive that is the same candidate as this row's (an accidental hit) is masked out.
/// </remarks>
internal static class SampledSoftmax
{
    /// <param name="queries">[B, d] unit query embeddings.</param>
    /// <param name="positives">[B, d] embeddings of each query's positive candidate.</param>
    /// <param name="positiveIds">[B] int64 ids of those candidates (for the accidental-hit mask).</param>
    /// <param name="positiveLogQ">[B] log Q of those candidates, or null for no correction.</param>
    /// <param name="negatives">[M, d] embeddings of extra random negatives, or null.</param>
    /// <param name="negativeIds">[M] int64 ids of the extra negatives.</param>
    /// <param name="negativeLogQ">[M] log Q of the extra negatives, or null for no correction.</param>
    public static Tensor Loss(Tensor queries, Tensor positives, Tensor positiveIds, Tensor? positiveLogQ,
        Tensor? negatives, Tensor? negativeIds, Tensor? negativeLogQ, double temperature)
    {
        using var scope = torch.NewDisposeScope();
        long b = queries.shape[0];
        Tensor logits = queries.mm(positives.t()).div_(temperature);
        if (positiveLogQ is not null) logits = logits.sub_(positiveLogQ.unsqueeze(0));
        Tensor same = positiveIds.unsqueeze(1).eq(positiveIds.unsqueeze(0));
        Tensor accidental = same.logical_and_(torch.eye(b, dtype: ScalarType.Bool).logical_not_());
        logits = logits.masked_fill_(accidental, float.NegativeInfinity);
        if (negatives is not null && negativeIds is not null)
        {
            Tensor extra = queries.mm(negatives.t()).div_(temperature);
            if (negativeLogQ is not null) extra = extra.sub_(negativeLogQ.unsqueeze(0));
            extra = extra.masked_fill_(positiveIds.unsqueeze(1).eq(negativeIds.unsqueeze(0)), float.NegativeInfinity);
            logits = torch.cat([logits, extra], 1);
        }
        Tensor targets = torch.arange(b, dtype: ScalarType.Int64);
        return nn.functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }
}
