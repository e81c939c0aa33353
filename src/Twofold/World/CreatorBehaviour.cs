namespace Twofold.World;

/// <summary>
/// How creators decide, day by day, how much to post and what to make, and how they react to the feedback they
/// received. Implementations are selected by name (<see cref="CreatorBehaviourConfig.Model"/>, built by
/// <see cref="CreatorBehaviours.Create"/>): the posting-response model (<see cref="PostingResponseBehaviour"/>, the
/// default) and the content-evolution models CFD, SimuLine, local better response and suggestion following with
/// trust, which all post as the posting-response model does and differ in what they make. Churn is not a behaviour's
/// choice: <see cref="CreatorDay.Close"/> applies the same rule to every model.
/// </summary>
public interface ICreatorBehaviour
{
    /// <summary>The name the configuration selects this model by.</summary>
    string Name { get; }

    /// <summary>The expected number of items <paramref name="creator"/> posts today (the oracle of the posting decision).</summary>
    double ExpectedPosts(WorldState state, int creator);

    /// <summary>Draws how many items the creator posts today.</summary>
    int Posts(WorldState state, int creator, ref WorldRandom rng);

    /// <summary>Chooses what the next item is: writes its latent vector and returns its genre.</summary>
    int DesignItem(WorldState state, int creator, ref WorldRandom rng, Span<float> latent);

    /// <summary>
    /// Takes in the feedback every creator's items received today: the per-creator and per-item counters of
    /// <paramref name="state"/> (clicks, likes, comments, exposures; never watch time, which creators do not see).
    /// Called once per day, after <see cref="WorldState.CloseDay"/>.
    /// </summary>
    void EndOfDay(WorldState state);
}

/// <summary>The end of a creator day, the same for every behaviour: the model learns, then the churn rule runs.</summary>
public static class CreatorDay
{
    public static void Close(WorldState state, ICreatorBehaviour behaviour)
    {
        behaviour.EndOfDay(state);
        CreatorChurn.Apply(state);
    }
}

/// <summary>
/// A creator whose items get no click for l consecutive days leaves (LoRe §5.1: "a creator leaves the platform if no
/// clicks are received in l consecutive rounds"), whatever their behaviour model. l = <see cref="CreatorConfig.ChurnDays"/>;
/// 0 disables churn.
/// </summary>
/// <remarks>
/// A day counts whether or not the creator posted on it (LoRe's creators create every round they are active, so
/// the two readings agree there); clicks on any of the creator's items, old or new, reset the count.
/// </remarks>
public static class CreatorChurn
{
    public static void Apply(WorldState state)
    {
        var days = state.Config.CreatorModel.ChurnDays;
        for (var c = 0; c < state.Creators.Count; c++)
        {
            if (state.CreatorClicksToday[c] > 0) state.CreatorDaysWithoutClicks[c] = 0;
            else state.CreatorDaysWithoutClicks[c]++;
            if (days > 0 && state.CreatorDaysWithoutClicks[c] >= days) state.CreatorActive[c] = false;
        }
    }
}
