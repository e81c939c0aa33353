using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;
using Twofold.CreatorSide;

namespace Twofold.Bench;

/// <summary>
/// <c>activity-train dir [trainRows] [threads] [trees] [layout]</c>: trains the activity predictor's gradient-boosted trees
/// (ML.NET LightGBM, binary objective, the settings of <see cref="ActivityPredictorTrainer"/> with 255 leaves and
/// depth at most 8) on the first <c>trainRows</c> rows (default 1,000,000) of <c>dir/features.f32</c> (float32,
/// 32 columns, row-major) and <c>dir/labels.u8</c>, written by <c>bench/activity/train_peer.py gen</c>; the remaining
/// rows are the held-out set for the AUC. The timed part is <c>Fit</c> on the in-memory matrix (reading the files is not),
/// split into ML.NET's two phases: loading (ML.NET's passes over the view and LightGBM's binning) and boosting, with
/// the process CPU time of the fit (all threads; it includes OpenMP threads spinning while they wait for each other).
/// <c>layout</c> is LightGBM's histogram layout: <c>trainer</c> (default, what the trainer sets), <c>col</c>, <c>row</c>,
/// or <c>auto</c> (LightGBM times both on every fit, the trainer's setting before it was fixed).
/// </summary>
public static class ActivityTrainingBench
{
    private const int Columns = 32;

    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Twofold.Bench activity-train DIR [trainRows=1000000] [threads=2] [trees=50] [layout=trainer|col|row|auto]");
            return 2;
        }
        var directory = args[0];
        var trainRows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        var threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        var trees = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50;
        var layout = args.Length > 4 ? args[4] : "trainer";
        if (layout is not ("trainer" or "col" or "row" or "auto"))
        {
            Console.Error.WriteLine($"activity-train: layout must be trainer, col, row or auto (got '{layout}').");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        var bytes = File.ReadAllBytes(Path.Combine(directory, "features.f32"));
        var labels = File.ReadAllBytes(Path.Combine(directory, "labels.u8"));
        var rows = labels.Length;
        if (bytes.Length != (long)rows * Columns * sizeof(float))
            throw new InvalidDataException($"features.f32 holds {bytes.Length:N0} bytes, expected {rows:N0} rows x {Columns} float32.");
        if (trainRows < 1 || trainRows >= rows)
            throw new ArgumentOutOfRangeException(nameof(args), trainRows, $"The training rows must leave a held-out part of the {rows:N0} rows.");
        var train = Slice(bytes, labels, 0, trainRows);
        var test = Slice(bytes, labels, trainRows, rows - trainRows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {rows:N0} rows x {Columns} columns in {clock.Elapsed.TotalSeconds:F2} s (not timed below)"));

        // The trainer's LightGBM settings (ActivityOptions defaults) with the benchmark's trees, leaves, depth and threads;
        // L2 regularisation 1 as xgboost's default lambda.
        var options = new ActivityOptions { Iterations = trees, Leaves = 255, Threads = threads }.Validate();
        var ml = new MLContext(seed: options.Seed);
        var settings = ActivityPredictorTrainer.LightGbmOptions(options);
        settings.Booster = new GradientBooster.Options { MaximumTreeDepth = 8, L2Regularization = 1.0 };
        if (layout != "trainer")
        {
            settings.ForceColumnWise = layout == "col";
            settings.ForceRowWise = layout == "row";
        }
        var trainer = ml.BinaryClassification.Trainers.LightGbm(settings);
        var phases = new PhaseClock();
        ml.Log += phases.OnLog;
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        clock.Restart();
        phases.Start();
        var model = trainer.Fit(new FeatureMatrixView(train));
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        ml.Log -= phases.OnLog;
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(new FeatureMatrixView(test)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ML.NET LightGBM: train {trainRows:N0} rows x {trees} trees ({threads} threads, {options.Leaves} leaves, depth <= 8, " +
            $"layout {(layout == "trainer" ? TrainerLayout(settings) : layout)}): {seconds:F2} s " +
            $"(loading {phases.Loading:F2} s, boosting {phases.Boosting:F2} s; process CPU {cpu:F2} s), held-out AUC {metrics.AreaUnderRocCurve:F4} on {test.Rows:N0} rows"));
        return 0;
    }

    private static string TrainerLayout(LightGbmBinaryTrainer.Options settings) =>
        settings.ForceColumnWise ? "col" : settings.ForceRowWise ? "row" : "auto";

    private static FeatureMatrix Slice(byte[] bytes, byte[] labels, int start, int count)
    {
        var matrix = new FeatureMatrix(count, Columns, withLabels: true);
        Buffer.BlockCopy(bytes, start * Columns * sizeof(float), matrix.Values, 0, count * Columns * sizeof(float));
        for (var r = 0; r < count; r++) matrix.Labels![r] = labels[start + r] != 0;
        return matrix;
    }

    /// <summary>
    /// Times ML.NET LightGBM's two channels from the context's log: "Loading data for LightGBM" (the passes over the
    /// view, LightGBM's bin boundaries and binning of every row) and "Training with LightGBM" (booster setup and trees).
    /// </summary>
    private sealed class PhaseClock
    {
        private readonly Stopwatch _clock = new();
        private double _loadingStart = double.NaN, _loadingEnd = double.NaN, _boostingStart = double.NaN, _boostingEnd = double.NaN;

        public double Loading => _loadingEnd - _loadingStart;
        public double Boosting => _boostingEnd - _boostingStart;

        public void Start() => _clock.Restart();

        public void OnLog(object? sender, LoggingEventArgs e)
        {
            var now = _clock.Elapsed.TotalSeconds;
            var started = e.Message.Contains("Channel started", StringComparison.Ordinal);
            var finished = e.Message.Contains("Channel finished", StringComparison.Ordinal);
            if (e.Message.Contains("; Loading data for LightGBM,", StringComparison.Ordinal))
            {
                if (started) _loadingStart = now;
                if (finished) _loadingEnd = now;
            }
            else if (e.Message.Contains("; Training with LightGBM,", StringComparison.Ordinal))
            {
                if (started) _boostingStart = now;
                if (finished) _boostingEnd = now;
            }
        }
    }
}
