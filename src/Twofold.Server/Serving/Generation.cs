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
public sealed record Strategy(int DualRecVersion, double Lambda);
