using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using Twofold.Cli;
using Twofold.CreatorSide;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.CreatorSide;

[Collection(ConsoleCollection.Name)]
public class ActivityPredictorTests(ActivityFixture world) : IClassFixture<ActivityFixture>
{
    [Fact]
    public void Ranks_held_out_visitors_with_an_auc_of_at_least_0_75()
    {
        Assert.Equal(ActivityFixture.TestDays, world.Report.Days);
        Assert.True(world.Report.Auc >= 0.75, $"AUC {world.Report.Auc:F3}");
        Assert.True(world.Report.Auc > world.Report.YesterdayAuc, $"AUC {world.Report.Auc:F3} vs visited yesterday {world.Report.YesterdayAuc:F3}");
    }

    [Fact]
    public void Top_predicted_users_visit_far_more_often_than_random_ones_and_than_yesterdays_visitors()
    {
        var top = world.Report.TopK;
        Assert.True(top.Model >= 1.8 * top.Random, $"top-k visit rate {top.Model:P1} vs random {top.Random:P1}");
        Assert.True(top.Model > top.Yesterday + 0.03, $"top-k visit rate {top.Model:P1} vs visited yesterday {top.Yesterday:P1}");
        var tenth = world.Report.Fractions.Single(f => f.Fraction == 0.1).Rates;
        Assert.True(tenth.Model > tenth.Yesterday + 0.1, $"top 10%: {tenth.Model:P1} vs visited yesterday {tenth.Yesterday:P1}");
        // DualRec's point: the predicted-active set has a higher hit rate than "visited yesterday".
        Assert.True(world.Report.ActiveSet.HitRate > world.Report.YesterdaySet.HitRate,
            $"hit rate {world.Report.ActiveSet.HitRate:P1} vs {world.Report.YesterdaySet.HitRate:P1}");
    }

    [Fact]
    public void Training_is_deterministic_with_the_seed()
    {
        var options = new ActivityOptions { Iterations = 20, TrainingDays = 10, Seed = 3 };
        var a = ActivityPredictorTrainer.Fit(world.History, options, world.TrainEnd).Score(world.History, world.TrainEnd);
        var b = ActivityPredictorTrainer.Fit(world.History, options, world.TrainEnd).Score(world.History, world.TrainEnd);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_fixed_histogram_layout_grows_the_same_trees_as_the_other(int threads)
    {
        // The trainer fixes LightGBM's column-wise histograms for speed; row-wise (LightGBM's other choice when left to
        // time both) must give the same model, or the setting would be a hyperparameter.
        var options = new ActivityOptions { Iterations = 20, TrainingDays = 10, Threads = threads, Seed = 3 }.Validate();
        var examples = ActivityPredictorTrainer.BuildExamples(world.History, 30, 40, options);
        var columnWise = ActivityPredictorTrainer.LightGbmOptions(options);
        Assert.True(columnWise.ForceColumnWise);
        var rowWise = ActivityPredictorTrainer.LightGbmOptions(options);
        rowWise.ForceColumnWise = false;
        rowWise.ForceRowWise = true;
        var expected = Scores(rowWise);
        Assert.Equal(expected, Scores(columnWise));
        Assert.True(expected.Distinct().Count() > 100, "the model scores the examples apart");

        float[] Scores(LightGbmBinaryTrainer.Options settings)
        {
            var ml = new MLContext(seed: options.Seed);
            var model = ml.BinaryClassification.Trainers.LightGbm(settings).Fit(new FeatureMatrixView(examples));
            return model.Transform(new FeatureMatrixView(examples)).GetColumn<float>("Score").ToArray();
        }
    }

    [Fact]
    public void Sampling_caps_examples_and_keeps_them_deterministic()
    {
        var options = new ActivityOptions { TrainingDays = 10, MaxExamples = 5_000, Seed = 3 };
        var a = ActivityPredictorTrainer.BuildExamples(world.History, 30, 40, options);
        var b = ActivityPredictorTrainer.BuildExamples(world.History, 30, 40, options);
        Assert.Equal(5_000, a.Rows);
        Assert.Equal(a.Values, b.Values);
        Assert.Equal(a.Labels, b.Labels);
    }

    [Fact]
    public void Scoring_a_feature_matrix_and_the_history_agree()
    {
        var day = world.TrainEnd;
        var matrix = new FeatureMatrix(world.History.Users, world.Predictor.FeatureCount);
        ActivityFeatures.Compute(world.History, day, 0, world.History.Users, includeDayBits: true, matrix.Values);
        var scores = world.Predictor.Score(matrix);
        Assert.Equal(world.Predictor.Score(world.History, day), scores);
        Assert.All(scores, p => Assert.InRange(p, 0f, 1f));
        // Scoring tomorrow (the day after the log) is allowed: that is what dispatch needs.
        Assert.Equal(world.History.Users, world.Predictor.Score(world.History, world.History.Days).Length);
    }

    [Fact]
    public void Flattened_trees_give_the_probabilities_of_the_ml_net_transform()
    {
        var path = world.TempPath("flat.model");
        world.Predictor.Save(path);
        foreach (var predictor in new[] { world.Predictor, ActivityPredictor.Load(path) })
        {
            Assert.True(predictor.UsesFlatTrees);
            var matrix = new FeatureMatrix(world.History.Users, predictor.FeatureCount);
            ActivityFeatures.Compute(world.History, world.TrainEnd, 0, world.History.Users, includeDayBits: true, matrix.Values);
            var reference = new float[matrix.Rows];
            predictor.ScoreThroughTransform(matrix, 0, matrix.Rows, reference);
            var flat = predictor.Score(matrix);
            for (var u = 0; u < flat.Length; u++) Assert.True(Math.Abs(flat[u] - reference[u]) <= 1e-6f, $"user {u}: {flat[u]} vs {reference[u]}");
        }
    }

    [Fact]
    public void Save_and_load_give_identical_scores_and_metadata()
    {
        var path = world.TempPath("activity.model");
        world.Predictor.Save(path);
        var loaded = ActivityPredictor.Load(path);
        Assert.Equal(world.Predictor.Score(world.History, world.TrainEnd), loaded.Score(world.History, world.TrainEnd));
        Assert.Equal(world.Predictor.Info.Features, loaded.Info.Features);
        Assert.Equal(world.Predictor.Info.Options, loaded.Info.Options);
        Assert.Equal(world.Predictor.Info.Examples, loaded.Info.Examples);
        Assert.Equal(world.Predictor.Info.LastTargetDate, loaded.Info.LastTargetDate);
    }

    [Fact]
    public void A_corrupt_model_file_is_a_clear_error()
    {
        var good = world.TempPath("good.model");
        world.Predictor.Save(good);
        var bytes = File.ReadAllBytes(good);

        var garbage = world.TempPath("garbage.model");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        Assert.Contains("not a Twofold activity model", Assert.Throws<DataFormatException>(() => ActivityPredictor.Load(garbage)).Message);

        var truncated = world.TempPath("truncated.model");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", Assert.Throws<DataFormatException>(() => ActivityPredictor.Load(truncated)).Message);

        // The ML.NET part overwritten in the middle: its zip no longer reads.
        var damaged = world.TempPath("damaged.model");
        var copy = (byte[])bytes.Clone();
        Array.Fill(copy, (byte)0x5A, copy.Length - 2_000, 1_000);
        File.WriteAllBytes(damaged, copy);
        var error = Assert.Throws<DataFormatException>(() => ActivityPredictor.Load(damaged));
        Assert.Contains(damaged, error.Message);

        var version = world.TempPath("version.model");
        copy = (byte[])bytes.Clone();
        copy["TWOFOLD-ACTIVITY\n".Length] = 99;
        File.WriteAllBytes(version, copy);
        Assert.Contains("version 99", Assert.Throws<DataFormatException>(() => ActivityPredictor.Load(version)).Message);

        Assert.Throws<FileNotFoundException>(() => ActivityPredictor.Load(world.TempPath("missing.model")));
    }

    [Fact]
    public void Target_days_outside_the_log_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Predictor.Score(world.History, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Predictor.Score(world.History, world.History.Days + 1));
        // Evaluation needs the target day's visits, so the day after the log cannot be evaluated.
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ActivityEvaluation.Evaluate(world.Predictor, world.History, world.History.Days - 1, world.History.Days + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivityPredictorTrainer.Fit(world.History, new ActivityOptions(), world.History.Days + 1));
        Assert.Throws<ArgumentException>(() => ActivityPredictorTrainer.Fit(world.History, new ActivityOptions { MinHistoryDays = 50 }));
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Contains("iterations", Assert.Throws<ArgumentException>(() => new ActivityOptions { Iterations = 0 }.Validate()).Message);
        Assert.Contains("learning_rate", Assert.Throws<ArgumentException>(() => new ActivityOptions { LearningRate = double.NaN }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => ActiveSetRule.AtLeast(1.5));
        Assert.Throws<ArgumentException>(() => ActiveSetRule.Top(0));
    }

    [Fact]
    public void An_empty_dataset_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        using (var writer = DatasetWriter.Create(dir.Combine("empty")))
            writer.Commit("test", [new User(new UserId(0), "a")], [], []);
        var error = Assert.Throws<DataFormatException>(() => ActivityPredictorTrainer.Fit(Dataset.Open(dir.Combine("empty")), new ActivityOptions()));
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void Cli_trains_reports_and_saves_and_fails_cleanly_on_bad_input()
    {
        var model = world.TempPath("cli.model");
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        Console.SetOut(output);
        try
        {
            code = TwofoldCommandLine.Build().Parse(["activity", "train", world.Directory, "--out", model, "--iterations", "20"]).Invoke();
        }
        finally
        {
            Console.SetOut(previous);
        }
        Assert.Equal(0, code);
        Assert.Contains("AUC: model", output.ToString());
        Assert.Equal(20, ActivityPredictor.Load(model).Info.Options.Iterations);
        Assert.Equal(CommandErrors.Failure,
            TwofoldCommandLine.Build().Parse(["activity", "train", world.Directory, "--out", model, "--test-days", "45"]).Invoke());
        Assert.Equal(CommandErrors.Failure,
            TwofoldCommandLine.Build().Parse(["activity", "train", world.TempPath("no-such-dataset"), "--out", model]).Invoke());
    }
}
