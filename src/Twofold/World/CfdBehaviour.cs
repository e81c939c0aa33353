using System.Numerics.Tensors;

namespace Twofold.World;

/// <summary>
/// Creator Feature Dynamics (CFD; LoRe §5.4, after Hron et al. 2022 and Yao et al. 2023): "creators adjust their
/// creation strategies using user feedback as gradients scaled by a learning rate". The strategy s_c is a unit
/// vector; after each day s_c ← normalize(s_c + η ĝ_c), where ĝ_c estimates the gradient of the creator's click
/// rate with respect to s_c from the feedback the creator sees on their own recent items.
/// </summary>
/// <remarks>
/// The papers leave open how a creator turns feedback into a gradient. Our reading uses only what a creator observes
/// (what they made, how often it was shown and clicked; not the users' tastes): items are drawn around s_c with
/// per-coordinate noise σ²/d, so by the score-function (likelihood-ratio) identity
/// ∇_s E[ctr] = E[ctr · (l − s)] · d/σ², estimated over the creator's items of the last <c>history_days</c> with an
/// exposure-weighted mean click rate as baseline:
/// ĝ = d/σ² · Σ_i e_i (ctr_i − c̄tr)(l_i − s) / Σ_i e_i. Items with no exposure carry no information and are
/// skipped; a creator with fewer than two exposed items, or no click at all, does not move.
/// </remarks>
public sealed class CfdBehaviour : StrategyBehaviour
{
    private readonly double _learningRate;
    private readonly double _scoreScale;

    public CfdBehaviour(WorldConfig config) : base(config)
    {
        _learningRate = config.CreatorBehaviour.CfdLearningRate;
        _scoreScale = config.Tastes.ItemNoise > 0 ? config.Tastes.Dimension / (config.Tastes.ItemNoise * config.Tastes.ItemNoise) : 0;
    }

    public override string Name => CreatorBehaviours.Cfd;

    protected override void Learn(WorldState state, int creator)
    {
        var items = History.ItemsOf(creator);
        var exposures = state.ItemExposures;
        long shown = 0, clicked = 0;
        var exposedItems = 0;
        foreach (var item in items)
        {
            if (exposures[item] == 0) continue;
            shown += exposures[item];
            clicked += History.Clicks(item);
            exposedItems++;
        }
        if (exposedItems < 2 || clicked == 0 || _scoreScale == 0) return;
        var meanRate = clicked / (double)shown;
        var strategy = MutableStrategy(state, creator);
        Span<float> gradient = stackalloc float[Dimension];
        gradient.Clear();
        foreach (var item in items)
        {
            var e = exposures[item];
            if (e == 0) continue;
            var weight = (float)(e * (History.Clicks(item) / (double)e - meanRate) / shown * _scoreScale);
            var latent = state.Items.LatentOf(item);
            for (var k = 0; k < Dimension; k++) gradient[k] += weight * (latent[k] - strategy[k]);
        }
        TensorPrimitives.MultiplyAdd(gradient, (float)_learningRate, strategy, strategy);
        LatentSpace.Normalize(strategy);
    }
}
