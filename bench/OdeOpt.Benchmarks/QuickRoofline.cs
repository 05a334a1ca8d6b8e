using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OdeOpt.Optimizers;
using OdeOpt.Runtime;

namespace OdeOpt.Benchmarks;

/// <summary>
/// Quick mode (under 90 s): for each optimizer, N and thread count, nanoseconds per parameter of the generated
/// step, the scalar loop, the TensorPrimitives composition and the roofline kernel, measured side by side in one
/// run, with the ratios; the generated step's allocation; the thread crossover; the peers of Adam (torch's fused CPU Adam,
/// a C loop, the machine's limit: <see cref="Peers"/>).
/// </summary>
public static class QuickRoofline
{
    public static int Run(string? jsonPath, double budgetSeconds = 0.25)
    {
        var total = Stopwatch.StartNew();
        int cores = Environment.ProcessorCount;
        int width = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        var results = new JsonArray();
        Console.WriteLine($"OdeOpt roofline quick mode: {cores} cores, {width}-bit vectors, .NET {Environment.Version}");
        Console.WriteLine($"{"optimizer",-22} {"N",10} {"thr",3} {"gen ns/p",9} {"scalar",9} {"tensor",9} {"triad",9} {"gen/triad",9} {"scal/gen",9} {"tens/gen",9} {"GB/s",7} {"alloc",6}");
        foreach (var name in Cases.Names)
            foreach (int n in new[] { 65_536, 1_048_576, 16_777_216 })
                foreach (int threads in new[] { 1, cores }.Distinct())
                {
                    var c = Cases.Create(name, n, threads);
                    // The four variants run in turns, so that a disturbance of the machine hits all of them alike.
                    var t4 = TimeInTurns(new Action[] { c.Generated, c.Scalar, c.Tensor, c.Triad }, n, 4 * budgetSeconds);
                    double gen = t4[0], scalar = t4[1], tensor = t4[2], triad = t4[3];
                    long alloc = Allocation(c.Generated);
                    // Throughput ratio: triad time / generated time (1 = at the roofline).
                    double genOverTriad = triad / gen;
                    double gbs = c.BytesPerParameter / gen;
                    Console.WriteLine($"{name,-22} {n,10} {threads,3} {gen,9:F3} {scalar,9:F3} {tensor,9:F3} {triad,9:F3} {genOverTriad,9:F3} {scalar / gen,9:F2} {tensor / gen,9:F2} {gbs,7:F1} {alloc,6}");
                    results.Add(new JsonObject
                    {
                        ["optimizer"] = name, ["n"] = n, ["threads"] = threads,
                        ["bytes_per_parameter"] = c.BytesPerParameter,
                        ["ns_per_parameter"] = new JsonObject { ["generated"] = gen, ["scalar"] = scalar, ["tensorprimitives"] = tensor, ["triad"] = triad },
                        ["generated_over_triad_throughput"] = genOverTriad,
                        ["scalar_over_generated"] = scalar / gen,
                        ["tensorprimitives_over_generated"] = tensor / gen,
                        ["generated_gb_per_s"] = gbs,
                        ["generated_bytes_allocated_per_step"] = alloc,
                    });
                }

        // Where threads start to pay: generated Adam at growing N, one thread against all.
        var crossover = new JsonArray();
        Console.WriteLine();
        Console.WriteLine("thread crossover (adam, generated):");
        long saved = KernelSettings.ParallelThreshold;
        KernelSettings.ParallelThreshold = 0;
        Console.WriteLine($"  (default OdeOpt.Runtime.KernelSettings.ParallelThreshold: 2097152; the rows force threads at every size)");
        foreach (int n in new[] { 32_768, 65_536, 131_072, 262_144, 524_288, 1_048_576, 2_097_152 })
        {
            var both = TimeInTurns(new Action[] { new AdamCase(n, 1).Generated, new AdamCase(n, cores).Generated }, n, budgetSeconds);
            double one = both[0], all = both[1];
            // In training, a gradient computation separates two steps and the workers have gone to sleep: time that too.
            var idle = TimeInTurns(new Action[] { new AdamCase(n, 1).Generated, new AdamCase(n, cores).Generated }, n, budgetSeconds, gapMilliseconds: 1);
            Console.WriteLine($"  N={n,9}: back to back 1 thread {one:F3} ns/p, {cores} threads {all:F3} ns/p, speed-up {one / all:F2}; after 1 ms idle: {idle[0]:F3} vs {idle[1]:F3}, speed-up {idle[0] / idle[1]:F2}");
            crossover.Add(new JsonObject { ["n"] = n, ["one_thread_ns_per_parameter"] = one, ["all_threads_ns_per_parameter"] = all, ["speedup"] = one / all,
                ["idle_one_thread_ns_per_parameter"] = idle[0], ["idle_all_threads_ns_per_parameter"] = idle[1], ["idle_speedup"] = idle[0] / idle[1] });
        }
        KernelSettings.ParallelThreshold = saved;

        // What the training controls cost (issue 8): Adam at 16M, one thread and all cores.
        var controls = new JsonArray();
        Console.WriteLine();
        Console.WriteLine("training controls (adam, N = 16,777,216):");
        foreach (int threads in new[] { 1, cores }.Distinct())
        {
            const int n = 16_777_216;
            var g = new float[n];
            for (int i = 0; i < n; i++) g[i] = 0.01f * (1 + i % 97 * 0.01f);
            OdeOpt.Optimizers.Adam Make(Action<OdeOpt.Optimizers.Adam> configure)
            {
                var o = new OdeOpt.Optimizers.Adam(n) { MaxDegreeOfParallelism = threads };
                configure(o);
                return o;
            }
            var plain = Make(_ => { });
            var value = Make(o => o.GradientClipValue = 1.0);
            var norm = Make(o => o.GradientClipNorm = 1e6);
            var check = Make(o => o.NonFiniteGradients = NonFiniteGradientPolicy.Throw);
            var p = new float[4][];
            for (int k = 0; k < 4; k++) p[k] = new float[n];
            var t = TimeInTurns(new Action[] { () => plain.Step(p[0], g), () => value.Step(p[1], g), () => norm.Step(p[2], g), () => check.Step(p[3], g) }, n, 4 * budgetSeconds);
            Console.WriteLine($"  threads={threads}: plain {t[0]:F3} ns/p; clip by value {t[1]:F3} (x{t[1] / t[0]:F2}); clip by norm {t[2]:F3} (x{t[2] / t[0]:F2}); non-finite check {t[3]:F3} (x{t[3] / t[0]:F2})");
            controls.Add(new JsonObject { ["threads"] = threads, ["plain"] = t[0], ["clip_value"] = t[1], ["clip_norm"] = t[2], ["non_finite_check"] = t[3] });
        }

        // The strongest peers, in interleaved rounds (issue 18): torch's fused CPU Adam, a C loop, the machine's limit.
        Console.WriteLine();
        int[] peerSizes = { 65_536, 1_048_576, 16_777_216, 100_000_000 };
        var peers = Peers.Compare(peerSizes, new[] { 1, cores }.Distinct().ToArray(), rounds: 3, budget: budgetSeconds,
            GeneratedAdam, GeneratedAdamBf16, GeneratedAdamBf16Buffers);

        var doc = new JsonObject
        {
            ["machine"] = new JsonObject { ["cores"] = cores, ["vector_bits"] = width, ["dotnet"] = Environment.Version.ToString(), ["os"] = Environment.OSVersion.ToString() },
            ["results"] = results,
            ["thread_crossover"] = crossover,
            ["training_controls_ns_per_parameter"] = controls,
            ["peers"] = peers,
            ["seconds"] = total.Elapsed.TotalSeconds,
        };
        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"\nwrote {jsonPath} ({total.Elapsed.TotalSeconds:F0} s)");
        }
        return 0;
    }

    /// <summary>The generated Adam step's median ns per parameter at <paramref name="n"/> and <paramref name="threads"/>.</summary>
    public static double GeneratedAdam(int n, int threads) => TimeInTurns(new Action[] { new AdamCase(n, threads).Generated }, n, 0.25)[0];

    /// <summary>The same for Adam with bfloat16 moments (the built-in <see cref="Optimizers.AdamBFloat16"/> on float32
    /// buffers, 20 bytes per parameter).</summary>
    public static double GeneratedAdamBf16(int n, int threads)
    {
        var opt = new Optimizers.AdamBFloat16(n) { MaxDegreeOfParallelism = threads };
        var p = new float[n];
        var g = new float[n];
        for (int i = 0; i < n; i++) { p[i] = 0.5f; g[i] = 0.01f * (1 + i % 97 * 0.01f); }
        return TimeInTurns(new Action[] { () => opt.Step(p, g) }, n, 0.25)[0];
    }

    /// <summary>The same over bfloat16 parameters and gradients (its bfloat16 step, theta rounded stochastically: 14 bytes
    /// per parameter).</summary>
    public static double GeneratedAdamBf16Buffers(int n, int threads)
    {
        var opt = new Optimizers.AdamBFloat16(n) { MaxDegreeOfParallelism = threads };
        var p = new ushort[n];
        var g = new ushort[n];
        for (int i = 0; i < n; i++) { p[i] = Runtime.BFloat16.FromSingle(0.5f); g[i] = Runtime.BFloat16.FromSingle(0.01f * (1 + i % 97 * 0.01f)); }
        return TimeInTurns(new Action[] { () => opt.Step(p, g) }, n, 0.25)[0];
    }

    /// <summary>Median nanoseconds per parameter of each action, the actions taking turns until the time budget is
    /// used (after warm-up).</summary>
    private static double[] TimeInTurns(Action[] actions, int n, double budgetSeconds, int gapMilliseconds = 0)
    {
        foreach (var a in actions) for (int i = 0; i < 3; i++) a();
        var samples = actions.Select(_ => new List<double>()).ToArray();
        var sw = Stopwatch.StartNew();
        while (samples[0].Count < 5 || sw.Elapsed.TotalSeconds < budgetSeconds && samples[0].Count < 2000)
        {
            for (int k = 0; k < actions.Length; k++)
            {
                if (gapMilliseconds > 0) System.Threading.Thread.Sleep(gapMilliseconds);
                long t0 = Stopwatch.GetTimestamp();
                actions[k]();
                samples[k].Add(Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n);
            }
        }
        return samples.Select(s => { s.Sort(); return s[s.Count / 2]; }).ToArray();
    }

    private static long Allocation(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
    }
}
