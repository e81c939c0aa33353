namespace Twofold.World;

/// <summary>
/// The recommender whose impressions the generated log records. It stands in for a production user-side system:
/// each feed slot is, with probability π, a draw from global popularity, and otherwise the best of K draws from a
/// genre the user likes, judged by a noisy affinity estimate. Sampling weights are (ε + φ·followers_c + P_i)^α,
/// where P_i is the item's decayed click count: big creators' new items start ahead and clicks beget impressions,
/// which is what makes exposure heavy-tailed (the imbalance DualRec §1 sets out to correct).
/// </summary>
/// <remarks>Prepared once per day (<see cref="Prepare"/>); <see cref="Pick"/> is then read-only and thread-safe.</remarks>
public sealed class LoggingRecommender
{
    private const double Floor = 0.1;
    private readonly RecommenderConfig _c;
    private int[] _candidates = [];
    private double[] _prefix = [];
    private int[] _genreStart = [];
    private int _count;

    public LoggingRecommender(RecommenderConfig config) => _c = config;

    /// <summary>Candidates of the day: items uploaded within the window, grouped by genre.</summary>
    public int CandidateCount => _count;

    public void Prepare(WorldState state)
    {
        var items = state.Items;
        var genres = state.Space.Genres;
        var firstDay = state.Day - _c.CandidateWindowDays + 1;
        var uploadDay = items.UploadDay;
        var genre = items.Genre;
        var creator = items.Creator;
        var popularity = state.ItemPopularity;
        var followers = state.Creators.Followers;

        var counts = new int[genres + 1];
        for (var i = 0; i < items.Count; i++)
            if (uploadDay[i] >= firstDay && uploadDay[i] <= state.Day) counts[genre[i] + 1]++;
        for (var g = 0; g < genres; g++) counts[g + 1] += counts[g];
        _genreStart = (int[])counts.Clone();
        _count = counts[genres];
        if (_candidates.Length < _count)
        {
            _candidates = new int[_count];
            _prefix = new double[_count];
        }
        var next = (int[])counts.Clone();
        for (var i = 0; i < items.Count; i++)
            if (uploadDay[i] >= firstDay && uploadDay[i] <= state.Day) _candidates[next[genre[i]]++] = i;
        var total = 0.0;
        for (var j = 0; j < _count; j++)
        {
            var i = _candidates[j];
            total += Math.Pow(Floor + _c.FollowerPrior * followers[creator[i]] + popularity[i], _c.PopularityExponent);
            _prefix[j] = total;
        }
    }

    /// <summary>Chooses the item for one feed slot of <paramref name="user"/>; −1 when there is nothing to show.</summary>
    public int Pick(WorldState state, int user, ref WorldRandom rng)
    {
        if (_count == 0) return -1;
        if (rng.NextDouble() < _c.PopularityShare) return Draw(0, _count, ref rng);
        var users = state.Users;
        var m = users.MaxInterests;
        Span<double> weights = stackalloc double[m];
        for (var j = 0; j < m; j++)
        {
            var g = users.InterestGenres[user * m + j];
            weights[j] = g < 0 || _genreStart[g + 1] == _genreStart[g] ? 0 : users.InterestWeights[user * m + j];
        }
        var any = false;
        foreach (var w in weights) any |= w > 0;
        if (!any) return Draw(0, _count, ref rng);
        var genre = users.InterestGenres[user * m + rng.Categorical(weights)];
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var k = 0; k < _c.TasteCandidates; k++)
        {
            var item = Draw(_genreStart[genre], _genreStart[genre + 1], ref rng);
            var score = state.Responses.Affinity(user, item) + _c.TasteNoise * rng.Normal();
            if (score > bestScore)
            {
                bestScore = score;
                best = item;
            }
        }
        return best;
    }

    /// <summary>A candidate in [from, to) drawn with probability proportional to its weight.</summary>
    private int Draw(int from, int to, ref WorldRandom rng)
    {
        var low = from == 0 ? 0 : _prefix[from - 1];
        var u = low + rng.NextDouble() * (_prefix[to - 1] - low);
        var index = Array.BinarySearch(_prefix, from, to - from, u);
        if (index < 0) index = ~index;
        return _candidates[Math.Min(index, to - 1)];
    }
}
