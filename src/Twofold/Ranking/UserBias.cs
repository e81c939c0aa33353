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
        foreach (var batch in batches)
            for (var r = 0; r < batch.Count; r++)
            {
                var u = batch.Users[r];
                if ((uint)u >= (uint)users) throw new ArgumentException($"The log has user {u}, beyond the {users} users given.");
                impressions[u]++;
                if ((batch.Feedback[r] & Interactions) != 0) interactions[u]++;
            }
        var totalImpressions = impressions.Sum();
        var rate = totalImpressions == 0 ? 0 : interactions.Sum() / (double)totalImpressions;
        // A floor keeps θ away from 0 when a population never interacts, so g_ui stays finite.
        var floor = 1e-4;
        var theta = new float[users];
        for (var u = 0; u < users; u++)
            theta[u] = (float)Math.Max(floor, (interactions[u] + smoothing * rate) / (impressions[u] + smoothing));
        return new UserBias(theta, rate);
    }
}
