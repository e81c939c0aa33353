using Spectre.Console;
using Twofold.Cli;

// Tables written to a file or pipe get room for every column instead of the 80-column default.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
return TwofoldCommandLine.Build().Parse(args).Invoke();
