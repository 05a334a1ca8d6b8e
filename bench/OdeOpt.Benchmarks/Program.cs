using System;
using System.Linq;
using BenchmarkDotNet.Running;
using OdeOpt.Benchmarks;

// dotnet run -c Release --project bench/OdeOpt.Benchmarks -- roofline --json <file>   (quick mode, < 90 s)
// dotnet run -c Release --project bench/OdeOpt.Benchmarks -- [BenchmarkDotNet arguments]  (full suite)
// "All cores" means all cores at every size: the default threshold (2M parameters, chosen for training loops where
// the workers sleep between steps) would keep the smaller cases on one thread. The crossover section measures it.
OdeOpt.Runtime.KernelSettings.ParallelThreshold = 1 << 16;
if (args.Length > 0 && args[0] == "roofline")
{
    int json = Array.IndexOf(args, "--json");
    return QuickRoofline.Run(json >= 0 && json + 1 < args.Length ? args[json + 1] : null);
}
BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args.Length == 0 ? new[] { "--filter", "*" } : args);
return 0;
