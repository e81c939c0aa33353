using Twofold.Graph;
using Twofold.Pipeline;
using Twofold.Ranking;

namespace Twofold.Server.Serving;

/// <summary>
/// What the service serves with at one moment: the bundle, the pipeline over the catalogue so far, the serving day
/// and the strategy. Immutable; uploads, refreshes, reloads and strategy switches each publish a new one.
/// </summary>
internal sealed record Generation(BundleHandle Handle, DualRecPipeline Pipeline, IReadOnlyList<Domain.Item> Catalogue, int Day, Strategy Strategy, InteractionGraph Graph, UserBias Bias)
{
    public ModelBundle Bundle => Handle.Bundle;
}

/// <summary>The strategy the service runs: the creator side's DualRec version and λ of the combined feed.</summary>
public sealed record Strategy(int DualRecVersion, double Lambda)
{
    /// <summary>
    /// What keeps this strategy from running, each problem under the member it concerns (<see cref="DualRecVersion"/>,
    /// <see cref="Lambda"/>); empty when it can run. The settings and the admin endpoint both check through this.
    /// </summary>
    public IReadOnlyList<(string Member, string Problem)> Problems()
    {
        var problems = new List<(string, string)>();
        if (DualRecVersion is < 1 or > 5) problems.Add((nameof(DualRecVersion), $"DualRec versions are 1 to 5, not {DualRecVersion}."));
        if (!double.IsFinite(Lambda) || Lambda < 0) problems.Add((nameof(Lambda), $"λ must be a non-negative number, not {Lambda}."));
        return problems;
    }
}
