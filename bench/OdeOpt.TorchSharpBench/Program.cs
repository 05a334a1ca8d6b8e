// OdeOpt.TorchSharp against torch.optim, in one run, every comparison interleaved (A B A B ... rounds of back-to-back
// steps, medians), float32, so that another process loading the machine hits both sides alike and the ratios hold:
//   1. the optimizer step alone on transformer-shaped parameter lists of about 1M, 16M and 100M parameters
//      (Adam, AdamW, SGD with momentum 0.9; 1 and 2 threads);
//   2. the whole training step (zero_grad, forward, backward, step) of an MLP 784-4096-4096-10 with cross-entropy on
//      random data, TorchSharp's Adam against OdeOpt's Adam, batch 64 and 512, 1 and 2 threads.
// Prints a markdown report and writes it to artifacts/torchsharp-bench/results.md.
//   dotnet run -c Release --project bench/OdeOpt.TorchSharpBench [-- --quick] [--sizes 1M,16M,100M|DxB] [--threads 1,2]
//       [--batches 64,512] [--parts step,train] [--out PATH] [--verbose: step-time spreads on stdout]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using OdeOpt.Optimizers;
using OdeOpt.Runtime;
using OdeOpt.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;
using TorchOptimizer = TorchSharp.torch.optim.Optimizer;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace OdeOpt.TorchSharpBench;

internal static class Program
{
    private const long StepParallelThreshold = 131_072;

    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--peer-json") return PeerJson(args);
        Options o;
        try { o = Options.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }
        if (o.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        var wall = Stopwatch.StartNew();
        _ = torch.CPU; // loads libtorch
        long defaultThreshold = KernelSettings.ParallelThreshold;
        var report = new StringBuilder();
        void Line(string s = "")
        {
            Console.WriteLine(s);
            report.AppendLine(s);
        }

        Line("# OdeOpt.TorchSharp against torch.optim (TorchSharp 0.107, libtorch CPU)");
        Line();
        Line($"- Machine: {Environment.ProcessorCount} logical cores, {CpuName()}, {(Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128)}-bit vectors; .NET {Environment.Version}, {RuntimeInformation.OSDescription}");
        Line($"- Run: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, `{string.Join(' ', args.DefaultIfEmpty("(no options)"))}`; TieredCompilation off, workstation GC; float32.");
        Line($"- Load average (1, 5, 15 min) before this run loads the machine: {LoadAverage(all: true)} (on {Environment.ProcessorCount} cores: other processes; later figures include this run's own 1-2 threads).");
        Line("- Method: the two sides (separate tensor sets, same shapes) run in alternating rounds (TorchSharp block, OdeOpt block, ...) of back-to-back steps, each step timed on its own; the figure is the median step. Another process may load the machine: read the ratios.");
        Line($"- Threads: TorchSharp torch.set_num_threads(n); OdeOpt Inner.MaxDegreeOfParallelism = n. Part 1 sets OdeOpt.Runtime.KernelSettings.ParallelThreshold = {StepParallelThreshold:N0} (so that 2 threads are used from 1M on); part 2 leaves the default {defaultThreshold:N0} (its 20M pass uses n threads either way).");
        Line();

        if (o.Parts.Contains("step"))
        {
            KernelSettings.ParallelThreshold = StepParallelThreshold;
            StepPart(o, Line);
            KernelSettings.ParallelThreshold = defaultThreshold;
        }
        if (o.Parts.Contains("train")) TrainPart(o, Line);

        Goals(o, Line);
        Line();
        Line($"Wall time: {wall.Elapsed.TotalSeconds:F0} s.");

        string path = o.OutPath ?? Path.Combine(RepoRoot(), "artifacts", "torchsharp-bench", "results.md");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, report.ToString());
        Console.WriteLine();
        Console.WriteLine($"Written to {Path.GetFullPath(path)}");
        return 0;
    }

    // ------------------------------------------------------------------ peer mode (bench/OdeOpt.Benchmarks peers)

    /// <summary><c>--peer-json --sizes 65536,... --threads 1,2 [--budget 0.25]</c>: TorchSharp's Adam (lr 1e-3, no weight
    /// decay) on one flat float32 parameter of each size, median ns per parameter of back-to-back steps after warm-up, as
    /// JSON [{"n", "threads", "torchsharp_adam"}] for the peers table of bench/OdeOpt.Benchmarks.</summary>
    private static int PeerJson(string[] args)
    {
        string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        var sizes = Arg("--sizes", "65536").Split(',').Select(long.Parse).ToArray();
        var threads = Arg("--threads", "1").Split(',').Select(int.Parse).ToArray();
        double budget = double.Parse(Arg("--budget", "0.25"), CultureInfo.InvariantCulture);
        _ = torch.CPU;
        var rows = new List<string>();
        foreach (long n in sizes)
            foreach (int t in threads)
            {
                torch.set_num_threads(t);
                using var data = torch.rand(n);
                var p = new TorchParameter(data);
                using var g = torch.rand(n).mul_(0.01);
                p.grad = g;
                var opt = torch.optim.Adam(new[] { p }, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
                for (int i = 0; i < 3; i++) opt.step();
                var samples = new List<double>();
                var clock = Stopwatch.StartNew();
                while (samples.Count < 5 || clock.Elapsed.TotalSeconds < budget && samples.Count < 2000)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    opt.step();
                    samples.Add(Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n);
                }
                samples.Sort();
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"{{\"n\": {n}, \"threads\": {t}, \"torchsharp_adam\": {samples[samples.Count / 2]:F5}}}"));
                opt.Dispose();
                p.Dispose();
            }
        Console.WriteLine("[" + string.Join(", ", rows) + "]");
        return 0;
    }

    // ------------------------------------------------------------------ part 1: the optimizer step

    private enum Kind { Adam, AdamW, Sgd }

    private static readonly List<StepResult> s_stepResults = new();

    private sealed record StepResult(string Size, long Count, Kind Kind, int Threads, double TorchNs, double OdeNs, double TorchBestNs, double OdeBestNs, int Steps);

    private static string TorchName(Kind k) => k switch { Kind.Adam => "torch.optim.Adam", Kind.AdamW => "torch.optim.AdamW", _ => "torch.optim.SGD(momentum 0.9)" };

    private static string OdeName(Kind k) => k switch { Kind.Adam => "Adam", Kind.AdamW => "AdamW", _ => "Sgd(Momentum 0.9)" };

    /// <summary>Bytes the fused pass moves per parameter: Adam(W) reads theta, g, m, v and writes theta, m, v; SGD with
    /// momentum reads theta, g, b and writes theta, b.</summary>
    private static int BytesPerParameter(Kind k) => k == Kind.Sgd ? 20 : 28;

    private static void StepPart(Options o, Action<string> line)
    {
        line("## 1. Optimizer step alone (ns per parameter per step, median)");
        line("");
        line("Parameter lists shaped as transformer blocks of width d: per block qkv [3d,d] + [3d], out proj [d,d] + [d], two layernorms [d] + [d], MLP [4d,d] + [4d], [d,4d] + [d] (12 tensors, 12d^2 + 13d parameters). Gradients filled once with random values. TorchSharp: Adam(lr 1e-3, betas 0.9/0.999, eps 1e-8), AdamW(same, weight_decay 0.01), SGD(lr 1e-3, momentum 0.9); OdeOpt: the same hyperparameters through OdeOptimizer.Create<T>.");
        line("");
        line("| parameters | d x blocks (tensors) | optimizer | threads | TorchSharp ns/p | OdeOpt ns/p | TorchSharp / OdeOpt | same, fastest steps | OdeOpt GB/s | TorchSharp ms/step | OdeOpt ms/step | page faults per step, TorchSharp / OdeOpt | cores busy, TorchSharp / OdeOpt | steps per side |");
        line("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var size in o.Sizes)
        {
            var shapes = TransformerShapes(size.Width, size.Blocks);
            long count = shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));
            var (rounds, perBlock) = o.Quick ? (3, count > 4_000_000 ? 1 : 4)
                : count <= 4_000_000 ? (15, 10) : count <= 40_000_000 ? (10, 3) : (8, 1);
            foreach (var kind in new[] { Kind.Adam, Kind.AdamW, Kind.Sgd })
            {
                var torchParams = MakeParameters(shapes, seed: 1);
                foreach (var p in torchParams)
                {
                    using var g = torch.randn(p.shape).mul_(1e-3);
                    p.grad = g;
                }
                TorchOptimizer torchOpt = kind switch
                {
                    Kind.Adam => torch.optim.Adam(torchParams, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8),
                    Kind.AdamW => torch.optim.AdamW(torchParams, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01),
                    _ => torch.optim.SGD(torchParams, 1e-3, momentum: 0.9),
                };

                var odeParams = MakeParameters(shapes, seed: 2);
                OdeOptimizer odeOpt = kind switch
                {
                    Kind.Adam => OdeOptimizer.Create<Adam>(odeParams, a => { a.LearningRate = 1e-3f; a.Beta1 = 0.9f; a.Beta2 = 0.999f; a.Epsilon = 1e-8f; }),
                    Kind.AdamW => OdeOptimizer.Create<AdamW>(odeParams, a => { a.LearningRate = 1e-3f; a.Beta1 = 0.9f; a.Beta2 = 0.999f; a.Epsilon = 1e-8f; a.WeightDecay = 0.01f; }),
                    _ => OdeOptimizer.Create<Sgd>(odeParams, s => { s.LearningRate = 1e-3f; s.Momentum = 0.9f; }),
                };
                using (torch.no_grad()) odeOpt.FlatGradients.normal_(0, 1e-3);
                var training = (ITrainingOptimizer)odeOpt.Inner;

                foreach (int threads in o.Threads)
                {
                    torch.set_num_threads(threads);
                    training.MaxDegreeOfParallelism = threads;
                    for (int w = 0; w < 2; w++) // warm-up (the first steps allocate state and touch its pages)
                    {
                        torchOpt.step();
                        odeOpt.step();
                    }
                    var m = Interleave(() => { torchOpt.step(); return 0; }, () => { odeOpt.step(); return 0; }, rounds, perBlock);
                    var (tt, to) = (m.A, m.B);
                    double torchNs = Median(tt) * 1e9 / count, odeNs = Median(to) * 1e9 / count;
                    double torchBest = tt.Min() * 1e9 / count, odeBest = to.Min() * 1e9 / count;
                    var r = new StepResult(size.Label, count, kind, threads, torchNs, odeNs, torchBest, odeBest, tt.Count);
                    s_stepResults.Add(r);
                    if (o.Verbose) Console.WriteLine($"    spread ms: TorchSharp {Spread(tt)}; OdeOpt {Spread(to)}");
                    line($"| {count:N0} | {size.Width} x {size.Blocks} ({shapes.Count}) | {TorchName(kind)} vs {OdeName(kind)} | {threads} | {torchNs:F3} | {odeNs:F3} | **{torchNs / odeNs:F2}x** | {torchBest / odeBest:F2}x | {BytesPerParameter(kind) / odeNs:F1} | {torchNs * count * 1e-6:F2} | {odeNs * count * 1e-6:F2} | {m.FaultsA:N0} / {m.FaultsB:N0} | {m.CoresA:F2} / {m.CoresB:F2} | {tt.Count} |");
                }

                torchOpt.Dispose();
                foreach (var p in torchParams) p.Dispose();
                odeOpt.Dispose();
                foreach (var p in odeParams) p.Dispose();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }
        }
        line("");
        line($"Load average (1 min) at the end of part 1: {LoadAverage()}.");
        line("");
        line("'same, fastest steps': the ratio of the two sides' fastest steps, the least disturbed estimate when another process shares the cores. OdeOpt GB/s: the bytes the fused pass must move (Adam, AdamW: 28 per parameter, 4 reads + 3 writes of float32; SGD with momentum: 20) over its time, the memory bandwidth it reaches. Page faults: the process's minor page faults per step (getrusage), pages a step touched that the allocator had handed back to the OS: the temporaries a TorchSharp optimizer allocates per tensor and step, when the allocator returns them between steps. Cores busy: the process's CPU time (getrusage, all threads) over the wall time of that side's steps; 2 threads show near 2 (workers that spin while waiting count as busy); a figure well below the thread count means another process had the core.");
        line("");
    }

    /// <summary>Shapes of <paramref name="blocks"/> transformer blocks of width <paramref name="d"/>.</summary>
    private static List<long[]> TransformerShapes(int d, int blocks)
    {
        var shapes = new List<long[]>();
        for (int b = 0; b < blocks; b++)
        {
            shapes.Add(new long[] { 3 * d, d }); shapes.Add(new long[] { 3 * d }); // qkv
            shapes.Add(new long[] { d, d }); shapes.Add(new long[] { d });         // out proj
            shapes.Add(new long[] { d }); shapes.Add(new long[] { d });            // layernorm 1
            shapes.Add(new long[] { d }); shapes.Add(new long[] { d });            // layernorm 2
            shapes.Add(new long[] { 4 * d, d }); shapes.Add(new long[] { 4 * d }); // MLP up
            shapes.Add(new long[] { d, 4 * d }); shapes.Add(new long[] { d });     // MLP down
        }
        return shapes;
    }

    private static List<TorchParameter> MakeParameters(List<long[]> shapes, int seed)
    {
        torch.manual_seed(seed);
        var list = new List<TorchParameter>(shapes.Count);
        foreach (var s in shapes) list.Add(new TorchParameter(torch.randn(s).mul_(0.02), requires_grad: true));
        return list;
    }

    // ------------------------------------------------------------------ part 2: the training step

    private static readonly List<TrainResult> s_trainResults = new();

    private sealed record TrainResult(int Batch, int Threads, double TorchMs, double OdeMs, double TorchOptMs, double OdeOptMs, double TorchShare, double OdeShare, double BestRatio, int Steps, float TorchLoss, float OdeLoss);

    private static nn.Module<Tensor, Tensor> Mlp() => nn.Sequential(
        ("fc1", nn.Linear(784, 4096)), ("relu1", nn.ReLU()),
        ("fc2", nn.Linear(4096, 4096)), ("relu2", nn.ReLU()),
        ("fc3", nn.Linear(4096, 10)));

    private static void TrainPart(Options o, Action<string> line)
    {
        torch.manual_seed(42);
        var torchModel = Mlp();
        torch.manual_seed(42);
        var odeModel = Mlp();
        long count = torchModel.parameters().Sum(p => p.numel());
        var torchOpt = torch.optim.Adam(torchModel.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        var odeOpt = OdeOptimizer.Create<Adam>(odeModel.parameters(), a => { a.LearningRate = 1e-3f; a.Beta1 = 0.9f; a.Beta2 = 0.999f; a.Epsilon = 1e-8f; });
        var training = (ITrainingOptimizer)odeOpt.Inner;

        line("## 2. Whole training step: MLP 784-4096-4096-10, cross-entropy, random data (ms per step, median)");
        line("");
        line($"{count:N0} parameters (6 tensors). One step: optimizer.zero_grad(), forward, cross_entropy, backward, optimizer.step(). Same initial weights and data on both sides; TorchSharp's Adam against OdeOpt's Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8). Both sides use the same thread count: torch.set_num_threads(n) drives forward and backward of both models. 'opt' is the optimizer.step() call inside the step, its share the median of its fraction of each step.");
        line("");
        line("| batch | threads | TorchSharp ms/step | OdeOpt ms/step | TorchSharp / OdeOpt | same, fastest steps | TorchSharp opt ms (share) | OdeOpt opt ms (share) | rest of the step ms, TorchSharp / OdeOpt | page faults per step, TorchSharp / OdeOpt | cores busy, TorchSharp / OdeOpt | steps per side | loss after, TorchSharp / OdeOpt |");
        line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (int batch in o.Batches)
        {
            torch.manual_seed(7);
            var x = torch.randn(batch, 784);
            var y = torch.randint(0, 10, new long[] { batch }, ScalarType.Int64);
            var (rounds, perBlock) = o.Quick ? (2, 2) : batch <= 128 ? (8, 4) : (6, 2);
            foreach (int threads in o.Threads)
            {
                torch.set_num_threads(threads);
                training.MaxDegreeOfParallelism = threads;
                for (int w = 0; w < 2; w++)
                {
                    TrainStep(torchModel, torchOpt, x, y);
                    TrainStep(odeModel, odeOpt, x, y);
                }
                var m = Interleave(() => TrainStep(torchModel, torchOpt, x, y), () => TrainStep(odeModel, odeOpt, x, y), rounds, perBlock);
                var (tt, to, optT, optO) = (m.A, m.B, m.SubA, m.SubB);
                double torchMs = Median(tt) * 1e3, odeMs = Median(to) * 1e3;
                double torchOptMs = Median(optT) * 1e3, odeOptMs = Median(optO) * 1e3;
                double torchShare = Median(optT.Zip(tt, (a, b) => a / b).ToList()), odeShare = Median(optO.Zip(to, (a, b) => a / b).ToList());
                double torchRest = Median(tt.Zip(optT, (a, b) => a - b).ToList()) * 1e3, odeRest = Median(to.Zip(optO, (a, b) => a - b).ToList()) * 1e3;
                float lossT = Loss(torchModel, x, y), lossO = Loss(odeModel, x, y);
                s_trainResults.Add(new TrainResult(batch, threads, torchMs, odeMs, torchOptMs, odeOptMs, torchShare, odeShare, tt.Min() / to.Min(), tt.Count, lossT, lossO));
                if (o.Verbose) Console.WriteLine($"    spread ms: TorchSharp {Spread(tt)}; OdeOpt {Spread(to)}; opt TorchSharp {Spread(optT)}; opt OdeOpt {Spread(optO)}");
                line($"| {batch} | {threads} | {torchMs:F1} | {odeMs:F1} | **{torchMs / odeMs:F2}x** | {tt.Min() / to.Min():F2}x | {torchOptMs:F1} ({torchShare:P0}) | {odeOptMs:F1} ({odeShare:P0}) | {torchRest:F1} / {odeRest:F1} | {m.FaultsA:N0} / {m.FaultsB:N0} | {m.CoresA:F2} / {m.CoresB:F2} | {tt.Count} | {lossT:G4} / {lossO:G4} |");
            }
            x.Dispose();
            y.Dispose();
        }
        line("");
        line($"Load average (1 min) at the end of part 2: {LoadAverage()}.");
        line("");
        line("Both models take the same number of steps from the same weights on the same batch, so the losses after each row agree when the two Adams compute the same thing (float32 rounding apart).");
        line("");
        torchOpt.Dispose();
        odeOpt.Dispose();
        torchModel.Dispose();
        odeModel.Dispose();
        GC.Collect();
    }

    /// <summary>One training step; returns the seconds spent in optimizer.step().</summary>
    private static double TrainStep(nn.Module<Tensor, Tensor> model, TorchOptimizer opt, Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        opt.zero_grad();
        var logits = model.call(x);
        var loss = nn.functional.cross_entropy(logits, y);
        loss.backward();
        long t0 = Stopwatch.GetTimestamp();
        opt.step();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    private static float Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        return nn.functional.cross_entropy(model.call(x), y).item<float>();
    }

    // ------------------------------------------------------------------ goals

    private static void Goals(Options o, Action<string> line)
    {
        line("## Goals");
        line("");
        line("| goal | measured (medians) | fastest steps | met (medians) |");
        line("|---|---:|---:|---|");
        var adam16 = s_stepResults.Where(r => r.Kind == Kind.Adam && r.Size == "16M").ToList();
        if (adam16.Count == 0) line("| optimizer step >= 5x torch.optim.Adam at 16M | not run | | - |");
        foreach (var r in adam16)
            line($"| optimizer step >= 5x torch.optim.Adam at 16M, {r.Threads} thread{(r.Threads > 1 ? "s" : "")} | {r.TorchNs / r.OdeNs:F2}x | {r.TorchBestNs / r.OdeBestNs:F2}x | {(r.TorchNs / r.OdeNs >= 5 ? "yes" : "no")} |");
        var b64 = s_trainResults.Where(r => r.Batch == 64).ToList();
        if (b64.Count == 0) line("| training step >= 1.5x at batch 64 | not run | | - |");
        foreach (var r in b64)
            line($"| training step >= 1.5x TorchSharp + torch.optim.Adam at batch 64, {r.Threads} thread{(r.Threads > 1 ? "s" : "")} | {r.TorchMs / r.OdeMs:F2}x | {r.BestRatio:F2}x | {(r.TorchMs / r.OdeMs >= 1.5 ? "yes" : "no")} |");
    }

    // ------------------------------------------------------------------ timing

    /// <summary>What <see cref="Interleave"/> measured: every step's seconds per side, the sub-times the step functions
    /// returned, the minor page faults per step of each side, and the cores each side kept busy (process CPU time over
    /// wall time, spinning workers included).</summary>
    private sealed record Timings(List<double> A, List<double> B, List<double> SubA, List<double> SubB, double FaultsA, double FaultsB, double CoresA, double CoresB);

    /// <summary>Rounds of <paramref name="perBlock"/> back-to-back calls of <paramref name="a"/>, then as many of
    /// <paramref name="b"/>; every call timed on its own. The functions return a sub-time of their own (or 0).</summary>
    private static Timings Interleave(Func<double> a, Func<double> b, int rounds, int perBlock)
    {
        var ta = new List<double>(); var tb = new List<double>();
        var sa = new List<double>(); var sb = new List<double>();
        long fa = 0, fb = 0;
        double ca = 0, cb = 0, wa = 0, wb = 0;
        for (int r = 0; r < rounds; r++)
        {
            var u0 = Usage.Now();
            long w0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perBlock; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                sa.Add(a());
                ta.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            wa += Stopwatch.GetElapsedTime(w0).TotalSeconds;
            var u1 = Usage.Now();
            long w1 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perBlock; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                sb.Add(b());
                tb.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            wb += Stopwatch.GetElapsedTime(w1).TotalSeconds;
            var u2 = Usage.Now();
            fa += u1.MinorFaults - u0.MinorFaults;
            fb += u2.MinorFaults - u1.MinorFaults;
            ca += u1.CpuSeconds - u0.CpuSeconds;
            cb += u2.CpuSeconds - u1.CpuSeconds;
        }
        return new Timings(ta, tb, sa, sb, (double)fa / ta.Count, (double)fb / tb.Count, ca / wa, cb / wb);
    }

    /// <summary>getrusage(RUSAGE_SELF): the process's CPU time (all threads) and minor page faults; zeros where it is
    /// not available.</summary>
    private readonly record struct Usage(double CpuSeconds, long MinorFaults)
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct RUsage
        {
            public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
            public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
        }

        [DllImport("libc", EntryPoint = "getrusage")]
        private static extern int GetRUsage(int who, out RUsage usage);

        public static Usage Now()
        {
            if (!OperatingSystem.IsLinux()) return default;
            try
            {
                if (GetRUsage(0, out var u) != 0) return default;
                return new Usage(u.UtimeSec + u.StimeSec + (u.UtimeUsec + u.StimeUsec) * 1e-6, u.MinFlt);
            }
            catch (DllNotFoundException) { return default; }
            catch (EntryPointNotFoundException) { return default; }
        }
    }

    private static string Spread(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return $"min {s[0] * 1e3:F2} p25 {s[s.Length / 4] * 1e3:F2} med {Median(values) * 1e3:F2} p75 {s[3 * s.Length / 4] * 1e3:F2} max {s[^1] * 1e3:F2}";
    }

    private static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    // ------------------------------------------------------------------ environment

    private static string CpuName()
    {
        try
        {
            foreach (var l in File.ReadLines("/proc/cpuinfo"))
                if (l.StartsWith("model name", StringComparison.Ordinal)) return l[(l.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string LoadAverage(bool all = false)
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return all ? $"{parts[0]}, {parts[1]}, {parts[2]}" : parts[0];
        }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Generator.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Generator.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    // ------------------------------------------------------------------ options

    private sealed record Size(string Label, int Width, int Blocks);

    private sealed class Options
    {
        public const string Usage = "usage: OdeOpt.TorchSharpBench [--quick] [--sizes 1M,16M,100M|DxB,...] [--threads 1,2] [--batches 64,512] [--parts step,train] [--out PATH] [--verbose]";

        // Presets: 12 d^2 + 13 d parameters per block.
        private static readonly Dictionary<string, Size> Presets = new(StringComparer.OrdinalIgnoreCase)
        {
            ["1M"] = new("1M", 128, 5),     //     991,360
            ["16M"] = new("16M", 512, 5),   //  15,761,920
            ["100M"] = new("100M", 1024, 8) // 100,769,792
        };

        public bool Quick { get; private set; }
        public bool Help { get; private set; }
        public bool Verbose { get; private set; }
        public List<Size> Sizes { get; private set; } = new();
        public List<int> Threads { get; private set; } = new() { 1, 2 };
        public List<int> Batches { get; private set; } = new();
        public HashSet<string> Parts { get; private set; } = new() { "step", "train" };
        public string? OutPath { get; private set; }

        public static Options Parse(string[] args)
        {
            var o = new Options();
            string? sizes = null, batches = null;
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--quick": o.Quick = true; break;
                    case "--sizes": sizes = Next(); break;
                    case "--threads": o.Threads = Ints(Next(), "--threads"); break;
                    case "--batches": batches = Next(); break;
                    case "--parts": o.Parts = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase); break;
                    case "--out": o.OutPath = Next(); break;
                    case "--verbose": o.Verbose = true; break;
                    case "-h": case "--help": o.Help = true; break;
                    default: throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
            sizes ??= o.Quick ? "1M,16M" : "1M,16M,100M";
            batches ??= o.Quick ? "64" : "64,512";
            foreach (var s in sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Presets.TryGetValue(s, out var p)) { o.Sizes.Add(p); continue; }
                var dx = s.Split('x', 'X');
                if (dx.Length == 2 && int.TryParse(dx[0], NumberStyles.None, CultureInfo.InvariantCulture, out int d) && int.TryParse(dx[1], NumberStyles.None, CultureInfo.InvariantCulture, out int b) && d > 0 && b > 0 && (12L * d * d + 13L * d) * b <= int.MaxValue)
                {
                    long n = (12L * d * d + 13L * d) * b;
                    o.Sizes.Add(new Size(n >= 1_000_000 ? $"{n / 1e6:0.#}M" : $"{n / 1e3:0.#}K", d, b));
                    continue;
                }
                throw new ArgumentException($"Size '{s}': use 1M, 16M, 100M or DxB (width x blocks).");
            }
            o.Batches = Ints(batches, "--batches");
            foreach (var part in o.Parts)
                if (part != "step" && part != "train") throw new ArgumentException($"Unknown part '{part}' (step, train).");
            if (o.Threads.Any(t => t < 1)) throw new ArgumentException("--threads: positive counts.");
            if (o.Batches.Any(t => t < 1)) throw new ArgumentException("--batches: positive sizes.");
            return o;
        }

        private static List<int> Ints(string s, string name)
        {
            var list = new List<int>();
            foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                list.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : throw new ArgumentException($"{name}: '{part}' is not a number."));
            if (list.Count == 0) throw new ArgumentException($"{name}: give at least one value.");
            return list;
        }
    }
}
