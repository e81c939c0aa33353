using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;

namespace Twofold.Bench;

/// <summary>
/// <c>activity-score [users] [days]</c>: scores every user of a synthetic activity history (default 1,000,000 users,
/// 31 days) for the day after it, through <see cref="ActivityPredictor.Score(ActivityHistory, int)"/> (features and
/// the flattened trees), and measures ML.NET's batched Transform and per-row <c>PredictionEngine</c> on a sample as the peers.
/// </summary>
public static class ActivityScoringBench
{
    private const int PeerRows = 200_000;

    public static int Run(string[] args)
    {
        var users = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var days = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 31;
        var clock = Stopwatch.StartNew();
        var history = ActivityHistory.Build(Days(users, days), users, EventLogDays.FromDate(new DateOnly(2026, 1, 5)), days);
        Report($"history: {users:N0} users x {days} days condensed", clock.Elapsed, users * (double)days, "user-days");

        clock.Restart();
        var predictor = ActivityPredictorTrainer.Fit(history, new ActivityOptions { MaxExamples = 200_000, TrainingDays = 14 });
        Report($"train: {predictor.Info.Examples:N0} examples, {predictor.Info.Options.Iterations} trees (1 thread)", clock.Elapsed,
            predictor.Info.Examples, "examples");

        var columns = predictor.FeatureCount;
        var features = new FeatureMatrix(users, columns);
        clock.Restart();
        ActivityFeatures.Compute(history, days, 0, users, includeDayBits: true, features.Values);
        Report("features only (1 thread)", clock.Elapsed, users, "users");

        for (var run = 1; run <= 3; run++)
        {
            clock.Restart();
            var scores = predictor.Score(features);
            Report($"Score(matrix) run {run}", clock.Elapsed, users, "users");
            GC.KeepAlive(scores);
        }
        for (var run = 1; run <= 3; run++)
        {
            clock.Restart();
            var scores = predictor.Score(history, days);
            Report($"Score(history, tomorrow) run {run}: features + flattened trees", clock.Elapsed, users, "users");
            if (run == 3)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  predicted active (p >= 0.5): {ActiveSetRule.Default.Select(scores).Length:N0} users"));
        }

        // The peers: ML.NET's batched Transform and its PredictionEngine (one row at a time), against the flattened trees,
        // all on one thread, on the same first rows of the matrix, alternating so all see the same machine load.
        var ml = predictor.Context;
        var definition = SchemaDefinition.Create(typeof(PeerRow));
        definition[nameof(PeerRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, columns);
        var engine = ml.Model.CreatePredictionEngine<PeerRow, PeerScore>(predictor.Transformer, inputSchemaDefinition: definition);
        var row = new PeerRow { Features = new float[columns] };
        var rows = Math.Min(PeerRows, users);
        var sample = new FeatureMatrix(rows, columns);
        features.Values.AsSpan(0, rows * columns).CopyTo(sample.Values);
        for (var run = 1; run <= 3; run++)
        {
            clock.Restart();
            var batched = predictor.Score(sample, threads: 1);
            Report($"Score(matrix) on 1 thread (flattened trees), {rows:N0} rows, run {run}", clock.Elapsed, rows, "users");
            var transformed = new float[rows];
            clock.Restart();
            predictor.ScoreThroughTransform(sample, 0, rows, transformed);
            Report($"ML.NET batched Transform on 1 thread, {rows:N0} rows, run {run}", clock.Elapsed, rows, "users");
            var maxDifference = 0f;
            clock.Restart();
            for (var r = 0; r < rows; r++)
            {
                features.Row(r).CopyTo(row.Features);
                var p = engine.Predict(row).Probability;
                maxDifference = Math.Max(maxDifference, Math.Abs(p - batched[r]));
            }
            Report($"peer: PredictionEngine.Predict, {rows:N0} rows one at a time, run {run}", clock.Elapsed, rows, "users");
            var transformDifference = 0f;
            for (var r = 0; r < rows; r++) transformDifference = Math.Max(transformDifference, Math.Abs(transformed[r] - batched[r]));
            if (run == 3)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  largest |difference| of the flattened trees from PredictionEngine {maxDifference:E2}, from Transform {transformDifference:E2}"));
        }
        return 0;
    }

    /// <summary>
    /// Synthetic visits with memory: user u has a base rate r_u, and visits with probability 0.5 r_u + 0.5 (0.8 if
    /// visited yesterday else 0.1); one impression per visit. Seeded, one batch per day.
    /// </summary>
    private static IEnumerable<InteractionBatch> Days(int users, int days)
    {
        var random = new Random(1);
        var rate = new float[users];
        for (var u = 0; u < users; u++) rate[u] = (float)Math.Pow(random.NextDouble(), 2.5);
        var yesterday = new bool[users];
        var batch = new InteractionBatch([], users / 2);
        var first = EventLogDays.FromDate(new DateOnly(2026, 1, 5));
        for (var day = 0; day < days; day++)
        {
            batch.Clear();
            var noon = (first + day) * 86_400_000L + 43_200_000L;
            for (var u = 0; u < users; u++)
            {
                var p = 0.5 * rate[u] + 0.5 * (yesterday[u] ? 0.8 : 0.1);
                yesterday[u] = random.NextDouble() < p;
                if (yesterday[u])
                    batch.Add(new Interaction(new UserId(u), new ItemId(0), noon, 20_000, 10_000,
                        random.NextDouble() < 0.5 ? Feedback.Click : Feedback.None));
            }
            yield return batch;
        }
    }

    private static void Report(string what, TimeSpan elapsed, double count, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {elapsed.TotalSeconds:F2} s ({count / elapsed.TotalSeconds:N0} {unit}/s)"));

    private sealed class PeerRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private sealed class PeerScore
    {
        public float Probability { get; set; }
    }
}
