using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Ranking;

/// <summary>
/// θ_u of DualRec eq. 10: a user's average interaction rate (explicit interactions per impression), smoothed towards
/// the population rate for users with little history: θ_u = (interactions_u + m·rate) / (impressions_u + m).
/// Dividing by it favours users whose interactions are rarer, so each of their interactions means more to a creator.
/// </summary>
public sealed class UserBias
{
    /// <summary>The explicit interactions a creator receives.</summary>
    public const Feedback Interactions = Feedback.Like | Feedback.Comment | Feedback.Follow | Feedback.Share;

    private readonly float[] _theta;

    private UserBias(float[] theta, double populationRate)
    {
        _theta = theta;
        PopulationRate = populationRate;
    }

    public double PopulationRate { get; }

    public int Users => _theta.Length;

    public float Theta(int user) => (uint)user < (uint)_theta.Length
        ? _theta[user]
        : throw new ArgumentOutOfRangeException(nameof(user), user, $"θ is known for {_theta.Length} users.");

    private const uint Magic = 0x53414942; // "BIAS"
    private const int FormatVersion = 1;

    public void Save(string path) => Data.AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        Data.BinaryFormat.WriteHeader(writer, Magic, FormatVersion);
        writer.Write(PopulationRate);
        writer.Write(_theta.Length);
        foreach (var t in _theta) writer.Write(t);
    });

    public static UserBias Load(string path) =>
        Data.BinaryFormat.Read(path, Magic, FormatVersion, "user-bias", reader =>
        {
            var rate = reader.ReadDouble();
            var count = reader.ReadInt32();
            if (count < 0) throw new InvalidDataException($"{path}: negative user count.");
            var theta = new float[count];
            for (var u = 0; u < count; u++) theta[u] = reader.ReadSingle();
            return new UserBias(theta, rate);
        });

    /// <param name="smoothing">m: the number of impressions' worth of weight the population rate gets.</param>
    public static UserBias FromLog(EventLog log, int users, double smoothing = 50, DateOnly? to = null) =>
        FromBatches(log.ReadBatches(to: to, reuse: true), users, smoothing);

    /// <summary>θ from interactions held in memory (the simulator's log).</summary>
    public static UserBias FromBatches(IEnumerable<InteractionBatch> batches, int users, double smoothing = 50)
    {
        if (smoothing <= 0) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The smoothing weight must be positive.");
        var impressions = new long[users];
        var interactions = new long[users];
        foreach (var batch in batches) Count(batch, impressions, interactions);
        return FromCounts(impressions, interactions, smoothing);
    }

    /// <summary>θ from per-user counts of impressions and of <see cref="Interactions"/> (kept up to date day by day).</summary>
    public static UserBias FromCounts(ReadOnlySpan<long> impressions, ReadOnlySpan<long> interactions, double smoothing = 50)
    {
        if (smoothing <= 0) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The smoothing weight must be positive.");
        if (impressions.Length != interactions.Length) throw new ArgumentException($"{impressions.Length} impression counts but {interactions.Length} interaction counts.");
        long totalImpressions = 0, totalInteractions = 0;
        foreach (var count in impressions) totalImpressions += count;
        foreach (var count in interactions) totalInteractions += count;
        var rate = totalImpressions == 0 ? 0 : totalInteractions / (double)totalImpressions;
        // A floor keeps θ away from 0 when a population never interacts, so g_ui stays finite.
        var floor = 1e-4;
        var theta = new float[impressions.Length];
        for (var u = 0; u < theta.Length; u++)
            theta[u] = (float)Math.Max(floor, (interactions[u] + smoothing * rate) / (impressions[u] + smoothing));
        return new UserBias(theta, rate);
    }

    /// <summary>Adds the rows of <paramref name="batch"/> to per-user counts for <see cref="FromCounts"/>.</summary>
    public static void Count(InteractionBatch batch, Span<long> impressions, Span<long> interactions)
    {
        var users = batch.Users;
        var feedback = batch.Feedback;
        for (var r = 0; r < batch.Count; r++)
        {
            var u = users[r];
            if ((uint)u >= (uint)impressions.Length) throw new ArgumentException($"The log has user {u}, beyond the {impressions.Length} users given.");
            impressions[u]++;
            if ((feedback[r] & Interactions) != 0) interactions[u]++;
        }
    }
}
