using System.Globalization;
using Twofold.Data;
using Twofold.Domain;
using Twofold.Simulation;

namespace Twofold.Bench.Simulation;

/// <summary>
/// <c>simulate-warmup USERS OUT [warmUpDays=8] [sessionLength=50]</c>: writes the warm-up history of
/// <c>simulate-bench USERS</c> (same world, same days) as a dataset at OUT, the data its platforms' first training
/// reads, so that training can be measured on its own (<c>first-training OUT</c>) without rerunning the warm-up.
/// </summary>
public static class WarmUpDatasetTool
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: Twofold.Bench simulate-warmup USERS OUT [warmUpDays=8] [sessionLength=50]");
            return 2;
        }
        var users = int.Parse(args[0], CultureInfo.InvariantCulture);
        var output = Path.GetFullPath(args[1]);
        var warmUp = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
        var session = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50;
        var settings = SimulationBench.Settings(users, warmUp, 1, session);
        var work = Path.Combine(Path.GetTempPath(), $"twofold-warmup-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            Simulator.Run(settings.World, warmUp, 1, settings.Arms, (_, context) =>
            {
                // The first arm's platform would train from exactly this history: write it and stop the run.
                using var writer = DatasetWriter.Create(output, overwrite: true);
                foreach (var batch in context.History.ReadBatches(reuse: true)) writer.Events.Append(batch);
                writer.Commit("simulation",
                    Enumerable.Range(0, context.World.Users.Count).Select(u => new User(new UserId(u), $"u{u}")).ToList(),
                    Enumerable.Range(0, context.World.Creators.Count).Select(c => new Creator(new CreatorId(c), $"c{c}")).ToList(),
                    context.World.Items.ToItems());
                throw new WarmUpWritten();
            }, settings.ExposureWindowDays, workDirectory: work);
        }
        catch (WarmUpWritten)
        {
            var dataset = Dataset.Open(output);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {output}: {dataset.Manifest.Users:N0} users, {dataset.Manifest.Items:N0} items, {dataset.Manifest.Interactions:N0} impressions over {warmUp} days"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        throw new InvalidOperationException("The simulator built no platform.");
    }

    private sealed class WarmUpWritten : Exception;
}
