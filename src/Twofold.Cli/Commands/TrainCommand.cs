using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Twofold.Data;
using Twofold.Pipeline;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold train &lt;dataset&gt; --out &lt;bundle&gt;</c>: everything the DualRec pipeline needs, as one model bundle.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "A dataset directory." };
        var output = new Option<string>("--out") { Description = "The bundle directory to create.", Required = true };
        var config = new Option<string?>("--config") { Description = "Bundle options as JSON (snake_case, see docs/dualrec.md); defaults otherwise." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the bundle directory if it exists." };
        var command = new Command("train", "Train the graph, similarities, two-tower model, rankers, activity predictor and θ into a model bundle.");
        command.Arguments.Add(dataset);
        foreach (var option in new Option[] { output, config, overwrite }) command.Options.Add(option);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var options = Options(parse.GetValue(config)).Validate();
            var target = parse.GetValue(output)!;
            if (!parse.GetValue(overwrite) && Directory.Exists(target)) throw new IOException($"{Path.GetFullPath(target)} already exists; use --overwrite to replace it.");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var bundle = ModelBundle.Train(Dataset.Open(parse.GetValue(dataset)!), options,
                step => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:hh\\:mm\\:ss}] {step}")));
            bundle.Save(target, parse.GetValue(overwrite));
            var m = bundle.Manifest;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bundle written to {Path.GetFullPath(target)}: {m.Users:N0} users, {m.Items:N0} items, {m.Interactions:N0} interactions ({m.FirstDay} .. {m.LastDay}) in {clock.Elapsed.TotalSeconds:F0} s"));
            foreach (var (name, value) in m.Validation) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {value:F4}"));
            return 0;
        }));
        return command;
    }

    private static BundleOptions Options(string? path)
    {
        if (path is null) return new BundleOptions();
        if (!File.Exists(path)) throw new FileNotFoundException($"The bundle options file {path} does not exist.", path);
        try
        {
            return JsonSerializer.Deserialize<BundleOptions>(File.ReadAllText(path), World.WorldConfig.Json)
                   ?? throw new DataFormatException(path, "the bundle options are empty (null)");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, $"the bundle options are not valid: {e.Message}", line: e.LineNumber + 1, inner: e);
        }
    }
}
