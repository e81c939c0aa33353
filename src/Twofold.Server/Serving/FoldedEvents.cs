using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Pipeline;
using Twofold.Ranking;

namespace Twofold.Server.Serving;

/// <summary>
/// What θ_u and activity prediction need of the dataset's events and the journal's events folded so far: per-user
/// impression and interaction counts (<see cref="UserBias.FromCounts"/>) and the activity history through the day
/// before the serving day. Built once at start-up; each daily refresh adds only the day's events, so neither the
/// dataset's log nor the journal is read again. Immutable: a refresh that fails leaves the current one in place.
/// </summary>
internal sealed class FoldedEvents
{
    private readonly long[] _impressions;
    private readonly long[] _interactions;

    private FoldedEvents(long[] impressions, long[] interactions, ActivityHistory history, long through)
    {
        _impressions = impressions;
        _interactions = interactions;
        History = history;
        Through = through;
    }

    /// <summary>The journal's sequence number up to which its events are folded in (0: none).</summary>
    public long Through { get; }

    /// <summary>The activity history of the dataset and the folded events, through the day before the serving day.</summary>
    public ActivityHistory History { get; }

    /// <summary>
    /// The dataset's events and <paramref name="journal"/> (the journal through <paramref name="through"/>) condensed
    /// over <paramref name="users"/> users and the days <paramref name="firstDay"/> … <paramref name="servingDay"/> − 1.
    /// </summary>
    public static FoldedEvents Build(Dataset dataset, InteractionBatch journal, long through, int users, int firstDay, int servingDay)
    {
        var impressions = new long[users];
        var interactions = new long[users];
        var history = ActivityHistory.Build(Counted(dataset.Events.ReadBatches(reuse: true).Append(journal), impressions, interactions),
            users, firstDay, servingDay - firstDay);
        return new FoldedEvents(impressions, interactions, history, through);
    }

    /// <summary>
    /// These events with <paramref name="fresh"/> (the journal's events after <see cref="Through"/> up to
    /// <paramref name="through"/>, filed on the serving day that is closing) added, the history now through that day.
    /// </summary>
    /// <param name="rebuild">Builds afresh from the dataset and the whole journal; used only when an event of
    /// <paramref name="fresh"/> was filed on a day already condensed (recorded while the previous refresh switched days).</param>
    public FoldedEvents Fold(InteractionBatch fresh, long through, int closingDay, Func<FoldedEvents> rebuild)
    {
        var closed = History.FirstDay + History.Days;
        if (closingDay < closed) throw new ArgumentException($"Day {closingDay} is already folded in (the history runs to day {closed - 1}).", nameof(closingDay));
        foreach (var time in fresh.TimesMs)
            if (EventLogDays.DayNumber(time) < closed) return rebuild();
        var impressions = (long[])_impressions.Clone();
        var interactions = (long[])_interactions.Clone();
        UserBias.Count(fresh, impressions, interactions);
        return new FoldedEvents(impressions, interactions, History.Extend(closingDay + 1 - closed, [fresh]), through);
    }

    /// <summary>θ_u as of these events: the bundle's own until the first refresh has folded service events in.</summary>
    public UserBias Bias(ModelBundle bundle) =>
        Through == 0 ? bundle.Bias : UserBias.FromCounts(_impressions, _interactions, bundle.Manifest.Options.BiasSmoothing);

    /// <summary>The users <paramref name="bundle"/>'s activity model predicts to visit on the serving day.</summary>
    public int[] PredictActive(ModelBundle bundle) => ServingSession.PredictActive(bundle, History);

    /// <summary>Counts each batch into the θ_u counts as it streams past (one pass serves both θ_u and the history).</summary>
    private static IEnumerable<InteractionBatch> Counted(IEnumerable<InteractionBatch> batches, long[] impressions, long[] interactions)
    {
        foreach (var batch in batches)
        {
            UserBias.Count(batch, impressions, interactions);
            yield return batch;
        }
    }
}
