using Twofold.Cli;

return TwofoldCommandLine.Build().Parse(args).Invoke();
