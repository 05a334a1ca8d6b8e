using System;
using System.Linq;
using BenchmarkDotNet.Running;
using OdeOpt.Benchmarks;

// dotnet run -c Release --project bench/OdeOpt.Benchmarks -- roofline --json <file>   (quick mode, < 90 s)
// dotnet run -c Release --project bench/OdeOpt.Benchmarks -- [BenchmarkDotNet arguments]  (full suite)
// "All cores" means all cores at every size: the default threshold (2M parameters, chosen for training loops where
// the workers sleep between steps) would keep the smaller cases on one thread. The crossover section measures it.
OdeOpt.Runtime.KernelSettings.ParallelThreshold = 1 << 16;
if (args.Length > 0 && args[0] == "storage")
{
    // The storage variants of Adam alone, in cache and beyond: dotnet run -c Release --project bench/OdeOpt.Benchmarks -- storage
    foreach (int n in new[] { 1_048_576, 16_777_216 })
        foreach (int t in new[] { 1, Environment.ProcessorCount }.Distinct())
            Console.WriteLine($"N {n,10} threads {t}: float32 {QuickRoofline.GeneratedAdam(n, t):F3} ns/p, bf16 moments {QuickRoofline.GeneratedAdamBf16(n, t):F3}, bf16 parameters+gradients+moments {QuickRoofline.GeneratedAdamBf16Buffers(n, t):F3}");
    return 0;
}
if (args.Length > 0 && args[0] == "peers")
{
    // Only the peer section of quick mode: dotnet run -c Release --project bench/OdeOpt.Benchmarks -- peers [--rounds 3]
    //   [--json FILE] [--make-torch-root]
    int r = Array.IndexOf(args, "--rounds");
    // --make-torch-root: make the Debian 13 root with torch 2.6 first when it is missing (root and network; minutes).
    if (Array.IndexOf(args, "--make-torch-root") >= 0 && !System.IO.File.Exists(System.IO.Path.Combine(Peers.TorchRoot, "usr/bin/python3")))
        Peers.MakeTorchRoot();
    int cores = Environment.ProcessorCount;
    var doc = Peers.Compare(new[] { 65_536, 1_048_576, 16_777_216, 100_000_000 }, new[] { 1, cores }.Distinct().ToArray(),
        r >= 0 && r + 1 < args.Length ? int.Parse(args[r + 1]) : 3, 0.25, QuickRoofline.GeneratedAdam, QuickRoofline.GeneratedAdamBf16, QuickRoofline.GeneratedAdamBf16Buffers);
    int j = Array.IndexOf(args, "--json");
    if (j >= 0 && j + 1 < args.Length) System.IO.File.WriteAllText(args[j + 1], doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
if (args.Length > 0 && args[0] == "roofline")
{
    int json = Array.IndexOf(args, "--json");
    return QuickRoofline.Run(json >= 0 && json + 1 < args.Length ? args[json + 1] : null);
}
BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args.Length == 0 ? new[] { "--filter", "*" } : args);
return 0;
