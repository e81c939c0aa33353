using TorchSharp;
using Twofold.Data;
using Twofold.Models;
using Twofold.Ranking;
using Twofold.Tests.Support;
using Twofold.World;

namespace Twofold.Tests.Ranking;

public class FeedbackModelTrainingTests
{
    [Theory]
    [InlineData(MultiTaskArchitecture.Mmoe)]
    [InlineData(MultiTaskArchitecture.SharedBottom)]
    public void The_same_seed_gives_the_same_model_and_another_seed_a_different_one(MultiTaskArchitecture architecture)
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 300, Creators = 30, Days = 5, Seed = 2 }, dir.Combine("w"));
        var dataset = Dataset.Open(dir.Combine("w"));
        var options = new FeedbackModelOptions { Epochs = 1, BatchSize = 256, SampleAugmentation = true, ExtraFeatures = true, Architecture = architecture };
        int[] users = [0, 5, 17, 299], items = [0, 3, 9, 11];
        using var first = FeedbackModelTrainer.Fit(dataset, options);
        using var second = FeedbackModelTrainer.Fit(dataset, options);
        using var other = FeedbackModelTrainer.Fit(dataset, options with { Seed = 2 });
        Assert.Equal(first.Predict(users, items), second.Predict(users, items));
        Assert.NotEqual(first.Predict(users, items), other.Predict(users, items));
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_field_named()
    {
        Assert.Contains("Epochs", Assert.Throws<ArgumentException>(() => new FeedbackModelOptions { Epochs = 0 }.Validate()).Message);
        Assert.Contains("LearningRate", Assert.Throws<ArgumentException>(() => new FeedbackModelOptions { LearningRate = double.NaN }.Validate()).Message);
        Assert.Contains("ContextDropout", Assert.Throws<ArgumentException>(() => new FeedbackModelOptions { ContextDropout = 1.5 }.Validate()).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() =>
            new FeedbackModelOptions { TrainFrom = new DateOnly(2026, 2, 1), TrainTo = new DateOnly(2026, 1, 1) }.Validate()).Message);
    }

    [Fact]
    public void Task_weights_grow_as_the_base_rate_falls_and_are_capped()
    {
        var w = FeedbackModelTrainer.TaskWeights([0.5, 0.3, 0.05, 0.001, 0], cap: 5);
        Assert.Equal(1f, w[0], 5);
        Assert.True(w[1] > 1 && w[1] < w[2]);
        Assert.Equal(5f, w[3]);
        Assert.Equal(1f, w[4]);
    }

    [Theory]
    [InlineData(MultiTaskArchitecture.Mmoe)]
    [InlineData(MultiTaskArchitecture.SharedBottom)]
    public void The_fused_heads_compute_what_the_layers_compute_one_by_one_and_pass_gradients_to_every_layer(MultiTaskArchitecture architecture)
    {
        var config = new MultiTaskNetworkConfig([new CategoricalField("a", 50, 4), new CategoricalField("b", 7, 3)], DenseWidth: 2, BagField: 0, Tasks: 5,
            architecture, Experts: 3, ExpertHidden: 8, ExpertOutput: 6, TowerHidden: 4);
        using var network = new MultiTaskNetwork(config, seed: 3);
        var random = new Random(4);
        const int rows = 40;
        var input = new MultiTaskInput(rows,
            Enumerable.Range(0, rows).SelectMany(_ => new long[] { random.Next(50), random.Next(7) }).ToArray(),
            Enumerable.Range(0, rows * 2).Select(_ => (float)random.NextDouble()).ToArray(),
            Enumerable.Range(0, 60).Select(_ => (long)random.Next(50)).ToArray(),
            Enumerable.Range(0, 60).Select(k => (long)(k % rows)).ToArray());
        using var fused = network.Forward(input);
        using var reference = network.Forward(input, layerByLayer: true);
        Assert.Equal(reference.shape, fused.shape);
        Assert.True(fused.allclose(reference, rtol: 1e-5, atol: 1e-6), $"largest difference {(fused - reference).abs().max().item<float>()}");

        // Rows that share bags: pooling each distinct bag once and handing it to its rows gives the per-row result.
        var shared = new long[][] { [3, 9, 9], [], [7] };
        var rowBags = Enumerable.Range(0, rows).Select(r => (long)(r % 3)).ToArray();
        var sharedInput = input with
        {
            BagIds = shared.SelectMany(b => b).ToArray(),
            BagRows = shared.SelectMany((b, k) => b.Select(_ => (long)k)).ToArray(),
            RowBags = rowBags,
        };
        var perRowInput = input with
        {
            BagIds = rowBags.SelectMany(b => shared[b]).ToArray(),
            BagRows = rowBags.SelectMany((b, r) => shared[b].Select(_ => (long)r)).ToArray(),
        };
        using (var pooledOnce = network.Forward(sharedInput))
        using (var pooledPerRow = network.Forward(perRowInput))
            Assert.True(pooledOnce.allclose(pooledPerRow, rtol: 1e-5, atol: 1e-6));

        fused.sum().backward();
        foreach (var (name, parameter) in network.named_parameters())
        {
            Assert.NotNull(parameter.grad);
            Assert.True(parameter.grad!.abs().sum().item<float>() > 0, $"no gradient reached {name}");
        }
    }

    [Theory]
    [InlineData(MultiTaskArchitecture.Mmoe, 8, 6, 4)]
    [InlineData(MultiTaskArchitecture.Mmoe, 64, 32, 16)]
    [InlineData(MultiTaskArchitecture.SharedBottom, 12, 9, 5)]
    public void The_inference_kernel_gives_the_probabilities_of_the_libtorch_heads(MultiTaskArchitecture architecture, int hidden, int output, int tower)
    {
        var config = new MultiTaskNetworkConfig([new CategoricalField("a", 80, 4), new CategoricalField("b", 7, 3)], DenseWidth: 2, BagField: 0, Tasks: 5,
            architecture, Experts: 3, ExpertHidden: hidden, ExpertOutput: output, TowerHidden: tower);
        using var network = new MultiTaskNetwork(config, seed: 11);
        var random = new Random(12);
        // More rows than a tile of the kernel (64), not a multiple of its four-row blocks; spread-out inputs so that
        // some units are cut by the ReLUs and the probabilities are not all near one half.
        const int rows = 150;
        var input = new MultiTaskInput(rows,
            Enumerable.Range(0, rows).SelectMany(_ => new long[] { random.Next(80), random.Next(7) }).ToArray(),
            Enumerable.Range(0, rows * 2).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray(),
            Enumerable.Range(0, 300).Select(_ => (long)random.Next(80)).ToArray(),
            Enumerable.Range(0, 300).Select(k => (long)(k % rows)).ToArray());
        using (torch.no_grad())
            foreach (var parameter in network.parameters()) parameter.mul_(torch.tensor(8f));
        var libtorch = new float[rows * 5];
        using (var expected = network.Forward(input).sigmoid().detach()) expected.data<float>().CopyTo(libtorch);
        var kernel = new float[rows * 5];
        network.eval();
        using (torch.no_grad()) network.Probabilities(input, kernel);
        Assert.Contains(libtorch, p => p < 0.2f);
        Assert.Contains(libtorch, p => p > 0.8f);
        for (var k = 0; k < kernel.Length; k++)
            Assert.True(Math.Abs(kernel[k] - libtorch[k]) <= 1e-5 + 1e-4 * Math.Abs(libtorch[k]), $"row {k / 5} task {k % 5}: kernel {kernel[k]}, libtorch {libtorch[k]}");

        // The same call while training (or with gradients on) goes through libtorch and agrees.
        network.train();
        var training = new float[rows * 5];
        network.Probabilities(input, training);
        for (var k = 0; k < kernel.Length; k++) Assert.True(Math.Abs(training[k] - libtorch[k]) <= 1e-6, $"value {k}");
        Assert.Throws<ArgumentException>(() => network.Probabilities(input, new float[rows * 5 - 1]));
    }

    [Theory]
    [InlineData(0, 140)]
    [InlineData(2, 140)]
    [InlineData(2, 141)] // rows formed two at a time, and one left over in the last tile
    public void The_inference_kernel_forms_grouped_rows_first_layer_as_libtorch_does(int varying, int rows)
    {
        var config = new MultiTaskNetworkConfig(
            [new CategoricalField("a", 90, 5), new CategoricalField("b", 7, 3), new CategoricalField("c", 40, 4)], DenseWidth: 2, BagField: 0, Tasks: 4,
            Experts: 3, ExpertHidden: 16, ExpertOutput: 8, TowerHidden: 8);
        using var network = new MultiTaskNetwork(config, seed: 13);
        var random = new Random(14);
        const int groups = 3;
        var groupOfRow = Enumerable.Range(0, rows).Select(r => (long)(r * 5 % groups)).ToArray();
        var groupIds = Enumerable.Range(0, groups).Select(_ => new long[] { random.Next(90), random.Next(7), random.Next(40) }).ToArray();
        var categorical = new long[rows * 3];
        var dense = new float[rows * 2];
        for (var r = 0; r < rows; r++)
        {
            groupIds[groupOfRow[r]].CopyTo(categorical, r * 3);
            categorical[r * 3 + varying] = random.Next(config.Fields[varying].Cardinality);
            dense[r * 2] = groupOfRow[r] - 1f;
            dense[r * 2 + 1] = 0.5f * groupOfRow[r];
        }
        var bags = new long[][] { [3, 9], [], [7, 7, 1] };
        var input = new MultiTaskInput(rows, categorical, dense, bags.SelectMany(b => b).ToArray(),
            bags.SelectMany((b, k) => b.Select(_ => (long)k)).ToArray(), RowBags: groupOfRow, Groups: new RowGroups(varying, groupOfRow));
        using (torch.no_grad())
            foreach (var parameter in network.parameters()) parameter.mul_(torch.tensor(6f));
        var libtorch = new float[rows * 4];
        using (var expected = network.Forward(input with { Groups = null }).sigmoid().detach()) expected.data<float>().CopyTo(libtorch);
        network.eval();
        var kernel = new float[rows * 4];
        using (torch.no_grad()) network.Probabilities(input, kernel);
        Assert.Contains(libtorch, p => p < 0.2f);
        Assert.Contains(libtorch, p => p > 0.8f);
        for (var k = 0; k < kernel.Length; k++)
            Assert.True(Math.Abs(kernel[k] - libtorch[k]) <= 1e-5 + 1e-4 * Math.Abs(libtorch[k]), $"row {k / 4} task {k % 4}: kernel {kernel[k]}, libtorch {libtorch[k]}");
    }

    [Fact]
    public void Layers_dropped_when_the_mode_is_set_stay_usable_by_predictions_that_hold_them()
    {
        // A service's views of a growing catalogue share one network, and a prediction on another thread may hold
        // the kept layers when the mode is set: dropping them must not free them under it.
        var config = new MultiTaskNetworkConfig([new CategoricalField("a", 60, 4), new CategoricalField("b", 7, 3)], DenseWidth: 1, BagField: null, Tasks: 3);
        using var network = new MultiTaskNetwork(config, seed: 15);
        network.eval();
        FusedLayers held;
        using (torch.no_grad()) held = network.InferenceLayers();
        using (torch.no_grad()) Assert.Same(held, network.InferenceLayers());
        network.eval();
        Assert.False(held.FirstWeight.IsInvalid, "setting the mode freed layers a prediction was using");
        Assert.False(held.Split(0, 4).VaryingT.IsInvalid);
        using (torch.no_grad()) Assert.NotSame(held, network.InferenceLayers());
    }

    [Fact]
    public void Inference_keeps_the_joined_layers_until_the_mode_is_set_again()
    {
        var config = new MultiTaskNetworkConfig([new CategoricalField("a", 30, 4), new CategoricalField("b", 7, 3)], DenseWidth: 2, BagField: null, Tasks: 3,
            Experts: 2, ExpertHidden: 8, ExpertOutput: 6, TowerHidden: 4);
        using var network = new MultiTaskNetwork(config, seed: 8);
        var random = new Random(9);
        const int rows = 24;
        var input = new MultiTaskInput(rows,
            Enumerable.Range(0, rows).SelectMany(r => new long[] { random.Next(30), r % 2 }).ToArray(),
            Enumerable.Range(0, rows * 2).Select(k => k / 2 % 2 == 0 ? 0.25f : -0.5f).ToArray(), default, default);
        var grouped = input with { Groups = new RowGroups(0, Enumerable.Range(0, rows).Select(r => (long)(r % 2)).ToArray()) };
        torch.Tensor Evaluate(MultiTaskInput batch)
        {
            using (torch.no_grad()) return network.Forward(batch);
        }

        using var training = network.Forward(input).detach();
        network.eval();
        using var first = Evaluate(input);
        using var firstGrouped = Evaluate(grouped);
        using var again = Evaluate(input);
        Assert.True(first.allclose(training, rtol: 1e-5, atol: 1e-6), "the kept layers compute what the per-call ones do");
        Assert.True(firstGrouped.allclose(first, rtol: 1e-5, atol: 1e-6));
        Assert.True(again.equal(first).all().item<bool>(), "a second evaluation gives the same figures");

        // Weights change while training; evaluation afterwards sees the new weights, grouped or not.
        network.train();
        using (torch.no_grad())
            foreach (var parameter in network.parameters()) parameter.mul_(torch.tensor(1.5f));
        network.eval();
        using var changed = Evaluate(input);
        using var changedGrouped = Evaluate(grouped);
        using var reference = network.Forward(input, layerByLayer: true).detach();
        Assert.False(changed.allclose(first, rtol: 1e-3, atol: 1e-4), "evaluation still used the joined layers of the old weights");
        Assert.True(changed.allclose(reference, rtol: 1e-5, atol: 1e-6), $"largest difference {(changed - reference).abs().max().item<float>()}");
        Assert.True(changedGrouped.allclose(reference, rtol: 1e-5, atol: 1e-6));
    }

    [Theory]
    [InlineData(MultiTaskArchitecture.Mmoe, 0)]
    [InlineData(MultiTaskArchitecture.Mmoe, 1)]
    [InlineData(MultiTaskArchitecture.SharedBottom, 2)]
    public void Rows_grouped_by_all_but_one_field_score_as_they_do_alone(MultiTaskArchitecture architecture, int varying)
    {
        var config = new MultiTaskNetworkConfig(
            [new CategoricalField("a", 50, 4), new CategoricalField("b", 7, 3), new CategoricalField("c", 9, 5)], DenseWidth: 2, BagField: 0, Tasks: 4,
            architecture, Experts: 3, ExpertHidden: 8, ExpertOutput: 6, TowerHidden: 4);
        using var network = new MultiTaskNetwork(config, seed: 5);
        var random = new Random(6);
        const int rows = 60, groups = 5;
        // Each group has its own values in the shared fields, dense features and bag; rows differ in the varying field.
        var groupOfRow = Enumerable.Range(0, rows).Select(r => (long)((r * 7) % groups)).ToArray();
        var groupIds = Enumerable.Range(0, groups).Select(_ => new long[] { random.Next(50), random.Next(7), random.Next(9) }).ToArray();
        var groupDense = Enumerable.Range(0, groups).Select(_ => new[] { (float)random.NextDouble(), (float)random.NextDouble() }).ToArray();
        var categorical = new long[rows * 3];
        var dense = new float[rows * 2];
        for (var r = 0; r < rows; r++)
        {
            groupIds[groupOfRow[r]].CopyTo(categorical, r * 3);
            categorical[r * 3 + varying] = random.Next(config.Fields[varying].Cardinality);
            groupDense[groupOfRow[r]].CopyTo(dense, r * 2);
        }
        var bags = new long[][] { [3, 9], [], [7, 7, 1], [0], [4] };
        var input = new MultiTaskInput(rows, categorical, dense, bags.SelectMany(b => b).ToArray(),
            bags.SelectMany((b, k) => b.Select(_ => (long)k)).ToArray(), RowBags: groupOfRow);

        using var alone = network.Forward(input);
        using var grouped = network.Forward(input with { Groups = new RowGroups(varying, groupOfRow) });
        Assert.True(grouped.allclose(alone, rtol: 1e-5, atol: 1e-6), $"largest difference {(grouped - alone).abs().max().item<float>()}");

        // A grouping whose rows differ in another field (or dense feature, or bag) is refused, naming the difference.
        var other = (varying + 1) % 3;
        var wrong = (long[])categorical.Clone();
        var second = Array.IndexOf(groupOfRow, groupOfRow[0], 1);
        wrong[second * 3 + other] = (wrong[other] + 1) % config.Fields[other].Cardinality;
        var error = Assert.Throws<ArgumentException>(() => network.Forward(input with { Categorical = wrong, Groups = new RowGroups(varying, groupOfRow) }));
        Assert.Contains($"field '{config.Fields[other].Name}'", error.Message);
        var wrongDense = (float[])dense.Clone();
        wrongDense[second * 2] += 1;
        Assert.Contains("dense", Assert.Throws<ArgumentException>(() =>
            network.Forward(input with { Dense = wrongDense, Groups = new RowGroups(varying, groupOfRow) })).Message);
        Assert.Contains("has no row", Assert.Throws<ArgumentException>(() =>
            network.Forward(input with { Groups = new RowGroups(varying, groupOfRow.Select(g => g == 2 ? 1L : g).ToArray()) })).Message);
    }

    [Fact]
    public void The_network_rejects_bad_input_before_libtorch_sees_it()
    {
        var config = new MultiTaskNetworkConfig([new CategoricalField("a", 4, 3), new CategoricalField("b", 2, 2)], DenseWidth: 1, BagField: 0, Tasks: 2);
        using var network = new MultiTaskNetwork(config, seed: 1);
        Assert.Throws<ArgumentException>(() => network.Forward(new MultiTaskInput(1, new long[] { 0, 2 }, new float[] { 0f }, default, default))); // b out of range
        Assert.Throws<ArgumentException>(() => network.Forward(new MultiTaskInput(1, new long[] { 0 }, new float[] { 0f }, default, default))); // too few ids
        Assert.Throws<ArgumentException>(() => network.Forward(new MultiTaskInput(1, new long[] { 0, 1 }, new float[] { float.NaN }, default, default)));
        Assert.Throws<ArgumentException>(() => network.Forward(new MultiTaskInput(1, new long[] { 0, 1 }, new float[] { 0f }, new long[] { 4 }, new long[] { 0 }))); // bag id
        Assert.Throws<ArgumentException>(() => network.Forward(new MultiTaskInput(1, new long[] { 0, 1 }, new float[] { 0f }, new long[] { 1 }, new long[] { 1 }))); // bag row
        using var logits = network.Forward(new MultiTaskInput(2, new long[] { 0, 1, 3, 0 }, new float[] { 0.5f, -1f }, new long[] { 1, 2, 3 }, new long[] { 0, 0, 1 }));
        Assert.Equal([2L, 2L], logits.shape);
    }

    [Fact]
    public void The_timeline_reads_distinct_recent_users_strictly_before_a_time()
    {
        using var dir = new TempDirectory();
        WorldGenerator.Generate(new WorldConfig { Users = 200, Creators = 20, Days = 3, Seed = 4 }, dir.Combine("w"));
        var dataset = Dataset.Open(dir.Combine("w"));
        var samples = FeedbackSamples.Read(dataset.Events, dataset.Manifest.Users, dataset.Manifest.Items);
        var timeline = RecentUserTimeline.Build(samples, dataset.Manifest.Items);
        var row = Enumerable.Range(0, samples.Count).First(r => (samples.Feedback[r] & RecentUserTimeline.Positive) != 0);
        var (item, time) = (samples.Items[row], samples.TimesMs[row]);
        var engagedBefore = Enumerable.Range(0, samples.Count)
            .Where(r => samples.Items[r] == item && samples.TimesMs[r] < time && (samples.Feedback[r] & RecentUserTimeline.Positive) != 0).ToList();

        var users = new List<long>();
        Assert.Equal(engagedBefore.Count, timeline.Before(item, time, 100, users));
        Assert.Equal(engagedBefore.Select(r => (long)samples.Users[r]).Distinct().Order(), users.Order());
        var all = new List<long>();
        var total = timeline.Before(item, long.MaxValue, 2, all);
        Assert.True(total > engagedBefore.Count);
        Assert.InRange(all.Count, 1, 2);
        Assert.Equal(all.Distinct().Count(), all.Count);
    }
}
