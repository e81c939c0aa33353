using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Twofold.Models;
using Twofold.Ranking;
using static TorchSharp.torch;

namespace Twofold.Bench.Ranking;

/// <summary>
/// The multi-task ranker, inference latency and training throughput:
/// <c>ranking [users] [items] [creators] [genres] [candidates] [calls] [batch] [steps] [rounds]</c>.
/// Builds a <see cref="FeedbackModel"/> with <see cref="FeedbackModelOptions"/> defaults (MMoE, 3 experts 64 → 32,
/// towers of 16, embeddings 16, genre 8, day and hour 4, one dense feature; no SA, no EF) over a synthetic catalogue,
/// all on one torch thread. Inference: one user against <c>candidates</c> random items, <c>calls</c> timed calls of
/// <see cref="FeedbackModel.Predict(ReadOnlySpan{int}, ReadOnlySpan{int})"/> (ids checked, input assembled, forward,
/// sigmoid, copy out) and of the network's forward + sigmoid on a prepared <see cref="MultiTaskInput"/>.
/// Training: the trainer's step (forward on a prepared batch, per-task weighted BCE with logits, zero_grad, backward,
/// dense Adam lr 0.002) on random ids and labels; <c>rounds</c> rounds of <c>steps</c> steps after a warm-up, best
/// round's samples/s. Prints key=value lines read by bench/ranking/run.sh.
/// </summary>
public static class RankingBench
{
    public static int Run(string[] args)
    {
        int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
        var users = Arg(0, 10_000);
        var items = Arg(1, 10_000);
        var creators = Arg(2, 1_000);
        var genres = Arg(3, 20);
        var candidates = Arg(4, 1_000);
        var calls = Arg(5, 2_000);
        var batch = Arg(6, 1_024);
        var steps = Arg(7, 100);
        var rounds = Arg(8, 5);

        TorchRuntime.RunOperationsOnCallingThreads();
        var random = new Random(1);
        var options = new FeedbackModelOptions();
        var tasks = FeedbackSamples.TaskCount;
        var table = new ItemFeatureTable(
            Enumerable.Range(0, genres).Select(g => $"g{g}").ToArray(),
            Enumerable.Range(0, items).Select(_ => random.Next(creators)).ToArray(),
            Enumerable.Range(0, items).Select(_ => random.Next(genres)).ToArray(),
            Enumerable.Range(0, items).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            Enumerable.Range(0, items).Select(_ => 1 + random.Next(100)).ToArray(), // every item seen in training
            [], new int[items + 1], [], new int[items]);
        var config = FeedbackModel.NetworkConfig(options, users, items, creators, genres);
        using var model = new FeedbackModel(options, users, creators, table, new MultiTaskNetwork(config, options.Seed));
        var network = model.Network;
        Console.WriteLine(FormattableString.Invariant(
            $"config: input={config.InputWidth} experts={config.ExpertCount}x({config.ExpertHidden}->{config.ExpertOutput}) gates={tasks}x({config.InputWidth}->{config.ExpertCount}) towers={tasks}x({config.ExpertOutput}->{config.TowerHidden}->1) fields={string.Join(',', config.Fields.Select(f => $"{f.Cardinality}x{f.Dimension}"))} dense={config.DenseWidth} parameters={network.parameters().Sum(p => p.numel())} torch_threads={torch.get_num_threads()}"));

        var mapped = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6)
            .Select(f => f[^1]).Where(f => f.Contains("torch", StringComparison.OrdinalIgnoreCase) || f.Contains("blas", StringComparison.OrdinalIgnoreCase)
                || f.Contains("mkl", StringComparison.OrdinalIgnoreCase) || f.Contains("gomp", StringComparison.OrdinalIgnoreCase))
            .Select(Path.GetFileName).Distinct().Order(StringComparer.Ordinal);
        Console.WriteLine($"native libraries mapped: {string.Join(' ', mapped)}");

        // Inference: one user, `candidates` items.
        var user = Enumerable.Repeat(random.Next(users), candidates).ToArray();
        var candidateItems = Enumerable.Range(0, candidates).Select(_ => random.Next(items)).ToArray();
        var check = model.Predict(user, candidateItems);
        if (check.Length != candidates * tasks || check.Any(p => !(p is >= 0 and <= 1))) throw new InvalidOperationException("Unexpected predictions.");
        Report("predict", calls, () => model.Predict(user, candidateItems));
        // The prepared inputs are built in rented arrays that stay rented until the benchmark ends.
        using var buffers = new RentedArrays();
        var prepared = model.BuildInput(user, candidateItems, ReadOnlySpan<long>.Empty, ReadOnlySpan<FeedbackModel.RowMode>.Empty, buffers);
        Report("forward", calls, () =>
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var p = network.Forward(prepared).sigmoid().contiguous();
            _ = p.data<float>()[0];
        });

        // Training: the trainer's step on prepared random batches.
        const int distinctBatches = 16;
        var inputs = new MultiTaskInput[distinctBatches];
        var labels = new float[distinctBatches][];
        for (var b = 0; b < distinctBatches; b++)
        {
            var u = Enumerable.Range(0, batch).Select(_ => random.Next(users)).ToArray();
            var i = Enumerable.Range(0, batch).Select(_ => random.Next(items)).ToArray();
            var t = Enumerable.Range(0, batch).Select(_ => 1_700_000_000_000L + random.NextInt64(30L * 86_400_000)).ToArray();
            inputs[b] = model.BuildInput(u, i, t, ReadOnlySpan<FeedbackModel.RowMode>.Empty, buffers);
            labels[b] = Enumerable.Range(0, batch * tasks).Select(_ => random.NextDouble() < 0.1 ? 1f : 0f).ToArray();
        }
        using var weights = torch.tensor(FeedbackModelTrainer.TaskWeights([0.04, 0.01, 0.006, 0.004, 0.02, 0.3, 0.5], options.MaxTaskWeight));
        using var optimizer = torch.optim.Adam(network.parameters(), options.LearningRate);
        network.train();
        var step = 0;
        float Step()
        {
            var b = step++ % distinctBatches;
            using var scope = torch.NewDisposeScope();
            var logits = network.Forward(inputs[b]);
            var target = torch.tensor(labels[b], [batch, tasks]);
            var perTask = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None).mean([0]);
            var loss = (perTask * weights).sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }
        var first = Step();
        for (var k = 1; k < 20; k++) Step();
        Console.WriteLine(FormattableString.Invariant($"train: first step loss {first:F4}"));
        var best = 0.0;
        for (var round = 1; round <= rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            for (var k = 0; k < steps; k++) lossSum += Step();
            var rate = (double)steps * batch / clock.Elapsed.TotalSeconds;
            best = Math.Max(best, rate);
            Console.WriteLine(FormattableString.Invariant($"train round {round}: {rate:F0} samples/s ({clock.Elapsed.TotalMilliseconds / steps:F3} ms/step), mean loss {lossSum / steps:F4}"));
        }
        network.eval();
        Console.WriteLine(FormattableString.Invariant($"train: batch={batch} samples_per_s={best:F0}"));
        return 0;
    }

    private static void Report(string name, int calls, Action call)
    {
        for (var k = 0; k < Math.Max(50, calls / 10); k++) call();
        var times = new double[calls];
        for (var k = 0; k < calls; k++)
        {
            var start = Stopwatch.GetTimestamp();
            call();
            times[k] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine(FormattableString.Invariant(
            $"{name}: calls={calls} median_ms={times[calls / 2]:F3} p99_ms={times[(int)(calls * 0.99)]:F3} mean_ms={times.Average():F3}"));
    }
}
