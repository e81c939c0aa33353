using Twofold.Data;

namespace Twofold.Cli;

/// <summary>
/// Runs a command's body and turns the errors a user can cause (bad files, bad values, existing outputs) into one
/// clear line on stderr and exit code 1; anything else is a defect and keeps its stack trace.
/// </summary>
public static class CommandErrors
{
    public const int Failure = 1;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is DataFormatException or IOException or ArgumentException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}
