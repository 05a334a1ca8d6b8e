using System;
using System.Linq;
using BenchmarkDotNet.Running;
using OdeOpt.Benchmarks;

// dotnet run -c Release --project bench/OdeOpt.Benchmarks -- roofline --json <file>   (quick mode, < 90 s)
// dotnet run -c Release --project bench/OdeOpt.Benchmarks -- [BenchmarkDotNet arguments]  (full suite)
if (args.Length > 0 && args[0] == "roofline")
{
    int json = Array.IndexOf(args, "--json");
    return QuickRoofline.Run(json >= 0 && json + 1 < args.Length ? args[json + 1] : null);
}
BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args.Length == 0 ? new[] { "--filter", "*" } : args);
return 0;
