using Twofold.Cli;
using Twofold.Data;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data.Import;

[Collection(ConsoleCollection.Name)]
public class ImportCommandTests
{
    [Fact]
    public void Import_kuairand_writes_a_dataset_and_exits_zero()
    {
        using var dir = new TempDirectory();
        var output = dir.Combine("ds");
        var exit = TwofoldCommandLine.Build().Parse(["import", "kuairand", ImportFixtures.Path("kuairand", "good"), "--out", output]).Invoke();
        Assert.Equal(0, exit);
        Assert.Equal(4, Dataset.Open(output).Manifest.Interactions);

        // The output exists now: without --overwrite it is an error and stays as it is.
        Assert.Equal(CommandErrors.Failure,
            TwofoldCommandLine.Build().Parse(["import", "kuairand", ImportFixtures.Path("kuairand", "good"), "--out", output]).Invoke());
        Assert.Equal(0,
            TwofoldCommandLine.Build().Parse(["import", "kuairand", ImportFixtures.Path("kuairand", "good"), "--out", output, "--overwrite"]).Invoke());
    }

    [Fact]
    public void Malformed_input_exits_one_with_the_error_and_no_output_unless_skipping()
    {
        using var dir = new TempDirectory();
        var output = dir.Combine("ds");
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = TwofoldCommandLine.Build().Parse(["import", "kuairand", ImportFixtures.Path("kuairand", "malformed"), "--out", output]).Invoke();
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Equal(1, exit);
        Assert.Contains("line 3, column 'is_like': not a 0/1 flag (value '2')", error.ToString());
        Assert.StartsWith("error: ", error.ToString());
        Assert.False(Directory.Exists(output));

        var stdout = new StringWriter();
        var previousOut = Console.Out;
        Console.SetOut(stdout);
        try
        {
            exit = TwofoldCommandLine.Build().Parse(["import", "kuairand", ImportFixtures.Path("kuairand", "malformed"), "--out", output, "--skip-invalid"]).Invoke();
        }
        finally
        {
            Console.SetOut(previousOut);
        }
        Assert.Equal(0, exit);
        Assert.Equal(2, Dataset.Open(output).Manifest.Interactions);
        Assert.Contains("Skipped 4 invalid rows", stdout.ToString());
    }

    [Fact]
    public void Import_kuairec_small_and_movielens_run_from_the_command_line()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["import", "kuairec", ImportFixtures.Path("kuairec", "good"), "--out", dir.Combine("rec"), "--matrix", "small"]).Invoke());
        Assert.Equal(1, Dataset.Open(dir.Combine("rec")).Manifest.Interactions);
        Assert.Equal(0, TwofoldCommandLine.Build().Parse(["import", "movielens", ImportFixtures.Path("movielens", "ml-1m"), "-o", dir.Combine("ml")]).Invoke());
        Assert.Equal(4, Dataset.Open(dir.Combine("ml")).Manifest.Interactions);
    }
}
