using Twofold.Bench;

// Each benchmark tool keeps its code in its own file; this only dispatches on the first argument.
return args.FirstOrDefault() switch
{
    "gen-kuairand" => KuaiRandLogGenerator.Run(args[1..]),
    "activity-score" => ActivityScoringBench.Run(args[1..]),
    "activity-train" => ActivityTrainingBench.Run(args[1..]),
    "twotower" => TwoTowerBench.Run(args[1..]),
    "vectors" => Twofold.Bench.Vectors.VectorsBench.Run(args[1..]),
    "ann" => Twofold.Bench.Vectors.AnnCommand.Run(args[1..]),
    "item-search" => Twofold.Bench.Vectors.ItemSearchBench.Run(args[1..]),
    "user-search" => Twofold.Bench.Vectors.UserSearchBench.Run(args[1..]),
    "stores" => Twofold.Bench.Stores.StoreBench.Run(args[1..]),
    "ranking" => Twofold.Bench.Ranking.RankingBench.Run(args[1..]),
    "dispatch" => Twofold.Bench.Dispatch.DispatchBench.Run(args[1..]),
    "simulate-bench" => Twofold.Bench.Simulation.SimulationBench.Run(args[1..]),
    "simulate-warmup" => Twofold.Bench.Simulation.WarmUpDatasetTool.Run(args[1..]),
    "growth" => Twofold.Bench.Serving.GrowthBench.Run(args[1..]),
    "fsync-probe" => Twofold.Bench.Serving.FsyncProbe.Run(args[1..]),
    "cost-peer" => Twofold.Bench.Serving.CostPeer.Run(args[1..]),
    "first-training" => Twofold.Bench.Simulation.FirstTrainingBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Twofold.Bench gen-kuairand|activity-score|activity-train|twotower|vectors|ann|item-search|user-search|stores|ranking|dispatch|simulate-bench|simulate-warmup|first-training|growth|fsync-probe|cost-peer ...");
    return 2;
}
