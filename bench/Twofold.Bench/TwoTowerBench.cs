using System.Globalization;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Models;

namespace Twofold.Bench;

/// <summary>
/// Two-tower training throughput: <c>twotower [users] [items] [positives] [epochs] [threads] [dim]</c>.
/// Trains the product's <see cref="TwoTowerTrainer"/> on random positives (uniform user and item ids, one day, no
/// validation), item tower on the item id only, and prints one line per epoch and the best epoch's examples/s
/// (the first epoch counts as warm-up when there are several).
/// </summary>
public static class TwoTowerBench
{
    public static int Run(string[] args)
    {
        int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
        var users = Arg(0, 100_000);
        var items = Arg(1, 100_000);
        var positives = Arg(2, 102_400);
        var epochs = Arg(3, 3);
        var threads = Arg(4, 1);
        var dim = Arg(5, 64);

        var random = new Random(1);
        var events = new InteractionBatch([], positives);
        for (var k = 0; k < positives; k++)
            events.Add(new Interaction(new UserId(random.Next(users)), new ItemId(random.Next(items)), 0, 0, 0, Feedback.Like));
        var data = new TwoTowerData(users, new int[items], 1, new int[items], 1, events);
        var options = new TwoTowerOptions
        {
            EmbeddingDim = dim, HiddenDim = 128, OutputDim = dim, UseCreator = false, UseGenre = false,
            Directions = TwoTowerDirections.UserToItem, BatchSize = 1024, Epochs = epochs, Patience = epochs,
            ValidationDays = 0, Threads = threads, Seed = 1,
        };
        var best = 0.0;
        TwoTowerTrainer.Fit(data, options, e =>
        {
            Console.WriteLine(FormattableString.Invariant(
                $"epoch {e.Epoch}: {e.TrainSeconds:F2} s, {e.ExamplesPerSecond:F0} examples/s, loss {e.Loss:F4}"));
            if (e.Epoch > 1 || epochs == 1) best = Math.Max(best, e.ExamplesPerSecond);
        });
        Console.WriteLine(FormattableString.Invariant($"twofold threads={threads} examples_per_s={best:F0}"));
        return 0;
    }
}
