using Twofold.Bench;

// Each benchmark tool keeps its code in its own file; this only dispatches on the first argument.
return args.FirstOrDefault() switch
{
    "gen-kuairand" => KuaiRandLogGenerator.Run(args[1..]),
    "twotower" => TwoTowerBench.Run(args[1..]),
    _ => 0,
};
