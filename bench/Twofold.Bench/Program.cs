// Dispatch by first argument; each benchmark family lives in its own folder.
if (args.Length > 0 && args[0] == "vectors") return Twofold.Bench.Vectors.VectorsBench.Run(args[1..]);
Console.Error.WriteLine("usage: Twofold.Bench <benchmark> [options]; benchmarks: vectors");
return args.Length == 0 ? 0 : 2;
