using System.CommandLine;
using System.Globalization;
using Twofold.Data.Import;

namespace Twofold.Cli.Commands;

/// <summary><c>twofold import kuairand|kuairec|movielens &lt;input&gt; --out &lt;dataset&gt;</c>: converts a public dataset.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var command = new Command("import", "Convert a public dataset (KuaiRand, KuaiRec, MovieLens) into a Twofold dataset directory.");
        command.Subcommands.Add(Format("kuairand", "KuaiRand (Pure, 1K or 27K): a directory with log_standard_*.csv, log_random_*.csv, " +
                                                    "user_features_*.csv and video_features_basic_*.csv.", (_, input, output, options) =>
            KuaiRandImporter.Import(input, output, options)));

        var matrix = new Option<KuaiRecMatrix>("--matrix")
        {
            Description = "Which interaction matrix to import: auto (big if present), big or small.",
            DefaultValueFactory = _ => KuaiRecMatrix.Auto,
        };
        var ratio = new Option<double>("--effective-watch-ratio")
        {
            Description = "Watch ratio from which a view counts as effective.",
            DefaultValueFactory = _ => KuaiRecImporter.DefaultEffectiveWatchRatio,
        };
        command.Subcommands.Add(Format("kuairec", "KuaiRec: a directory with big_matrix.csv and/or small_matrix.csv, item_categories.csv " +
                                                   "and optionally item_daily_features.csv.", (parse, input, output, options) =>
            KuaiRecImporter.Import(input, output, options, parse.GetValue(matrix), parse.GetValue(ratio)), matrix, ratio));

        command.Subcommands.Add(Format("movielens", "MovieLens: a directory with ratings.csv, ratings.dat or u.data, and movies.csv, " +
                                                     "movies.dat or u.item for genres.", (_, input, output, options) =>
            MovieLensImporter.Import(input, output, options)));
        return command;
    }

    private static Command Format(string name, string description, Func<ParseResult, string, string, ImportOptions, ImportResult> import,
        params Option[] extra)
    {
        var input = new Argument<string>("input") { Description = "The dataset's directory as downloaded and unpacked." };
        var output = new Option<string>("--out", "-o") { Description = "The dataset directory to create.", Required = true };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the valid rows and report the malformed ones instead of stopping." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output directory if it exists." };
        var command = new Command(name, description) { input, output, skipInvalid, overwrite };
        foreach (var option in extra) command.Options.Add(option);
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var result = ImportProgressDisplay.Run(name, progress => import(parse, parse.GetValue(input)!, parse.GetValue(output)!,
                new ImportOptions(parse.GetValue(skipInvalid), parse.GetValue(overwrite), progress)));
            Report(result);
            return 0;
        }));
        return command;
    }

    private static void Report(ImportResult result)
    {
        var m = result.Dataset.Manifest;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Imported {m.Interactions:N0} interactions, {m.Users:N0} users, {m.Items:N0} items, {m.Creators:N0} creators into {result.Dataset.Directory}"));
        if (result.Skipped.Total == 0) return;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Skipped {result.Skipped.Total:N0} invalid rows:"));
        foreach (var (reason, count) in result.Skipped.ByReason)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count,10:N0}  {reason}"));
        Console.WriteLine("First examples:");
        foreach (var example in result.Skipped.Examples) Console.WriteLine($"  {example}");
    }
}
