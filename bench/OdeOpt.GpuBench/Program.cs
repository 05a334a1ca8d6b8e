using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Util;
using OdeOpt;
using OdeOpt.Gpu;
using OdeOpt.GpuBench;
using OdeOpt.Optimizers;

// OdeOpt.GpuBench: one step of Adam, IMEX-trapezoidal Adam and SGD with momentum (GPU forms) per parameter count, on
// the CUDA accelerator, against device-to-device copy bandwidth measured in the same run and, when given, torch.optim.Adam
// timed by torch_adam_gpu.py on the same GPU. Prints JSON (see docs/benchmarks.md).
//
//   OdeOpt.GpuBench [--sizes 1M,16M,100M,256M] [--torch torch.json] [--json out.json] [--sweep] [--check]
//                   [--groups-per-sm k] [--opt O1|O2] [--cpu]
//
// --sweep: Adam under other launch settings; --check: GPU form = CPU form over 50 steps on this accelerator (the
// equivalence the test suite checks on ILGPU's CPU accelerator, here on the real device).
//
// Sizes take K/M suffixes: 1M = 2^20, 16M = 2^24, 256M = 2^28 (powers of two); 100M = 100,000,000 (decimal, as written).

var options = Options.Parse(args);
Bench.Quick = options.Cpu;
GpuKernelSettings.GroupsPerMultiprocessor = options.GroupsPerMultiprocessor;
var inv = CultureInfo.InvariantCulture;
Console.Error.WriteLine($"OdeOpt.GpuBench: sizes {string.Join(", ", options.Sizes)}; ILGPU {typeof(Context).Assembly.GetName().Version}");

using var context = Context.Create(b =>
{
    if (options.Cpu) b.CPU(); else b.Cuda();
    b.EnableAlgorithms().Profiling().Optimize(options.Optimization);
});
foreach (var d in context.Devices) Console.Error.WriteLine($"  device: {d.AcceleratorType} '{d.Name}'");
Device device;
if (options.Cpu) device = context.GetPreferredDevice(preferCPU: true);
else if (context.GetCudaDevices().Count > 0) device = context.GetCudaDevice(0);
else
{
    Console.Error.WriteLine("No CUDA device is visible to ILGPU (Context.Create(b => b.Cuda()) found none). Run nvidia-smi; use --cpu to try the program on the CPU accelerator.");
    return 2;
}

var report = new JsonObject();
using (var accelerator = device.CreateAccelerator(context))
{
    var acc = accelerator;
    var deviceInfo = new JsonObject
    {
        ["name"] = acc.Name,
        ["type"] = acc.AcceleratorType.ToString(),
        ["multiprocessors"] = acc.NumMultiprocessors,
        ["max_threads_per_multiprocessor"] = acc.MaxNumThreadsPerMultiprocessor,
        ["memory_bytes"] = acc.MemorySize,
        ["ilgpu"] = typeof(Context).Assembly.GetName().Version?.ToString(),
        ["optimization"] = options.Optimization.ToString(),
        ["groups_per_multiprocessor"] = options.GroupsPerMultiprocessor == 0 ? "filled once (0)" : options.GroupsPerMultiprocessor.ToString(CultureInfo.InvariantCulture),
    };
    if (acc is CudaAccelerator cuda)
    {
        deviceInfo["architecture"] = cuda.Architecture.ToString();
        deviceInfo["instruction_set"] = cuda.InstructionSet.ToString();
        deviceInfo["driver"] = cuda.DriverVersion.ToString();
    }
    report["device"] = deviceInfo;
    Console.Error.WriteLine($"accelerator: {acc.AcceleratorType} '{acc.Name}', {acc.NumMultiprocessors} SMs, {acc.MemorySize / (1L << 30)} GiB");

    // ---------------------------------------------------------------- copy bandwidth (same run)
    var copy = Bench.CopyBandwidth(acc, options);
    report["copy"] = copy;
    double copyGbps = copy["memcpy_gbps"]!.GetValue<double>();
    Console.Error.WriteLine($"copy: memcpy {copyGbps:F0} GB/s, float4 kernel {copy["float4_kernel_gbps"]!.GetValue<double>():F0} GB/s (read + write)");

    // ---------------------------------------------------------------- optimizers
    var torch = options.TorchJson is { } path && File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
    if (torch is not null) report["torch"] = torch.DeepClone();
    var results = new JsonArray();
    var optimizers = new (string Name, Func<Accelerator, int, ISingleGradientGpuOptimizer> Create)[]
    {
        ("adam", (a, n) => new AdamGpu(a, n)),
        // The cost of norm clipping: a reduction kernel over the gradient and a wait for its sum before the step.
        ("adam-clip-norm-1", (a, n) => new AdamGpu(a, n) { GradientClipNorm = 1 }),
        // 16-bit storage (issue 18): bfloat16 m, v (20 B/param).
        ("adam-bf16", (a, n) => new AdamBFloat16Gpu(a, n)),
        ("imex-trapezoidal-adam", (a, n) => new ImexTrapezoidalAdamGpu(a, n)),
        ("sgd-momentum", (a, n) => new SgdMomentumGpu(a, n)),
    };
    foreach (long n in options.Sizes)
    {
        foreach (var (name, create) in optimizers)
        {
            var row = Bench.Step(acc, name, (int)n, create, options);
            double gbps = row["gbps"]!.GetValue<double>();
            row["fraction_of_copy"] = gbps / copyGbps;
            if (name == "adam" && torch is not null)
            {
                foreach (var mode in new[] { "fused", "foreach" })
                {
                    var t = torch["results"]?.AsArray().FirstOrDefault(r => r?["n"]?.GetValue<long>() == n && r?["mode"]?.GetValue<string>() == mode);
                    if (t?["ms_per_step"] is JsonNode ms)
                    {
                        row["torch_" + mode + "_ms_per_step"] = ms.GetValue<double>();
                        // > 1: OdeOpt's step is faster than torch's.
                        row["speedup_vs_torch_" + mode] = ms.GetValue<double>() / row["ms_per_step"]!.GetValue<double>();
                    }
                }
            }
            results.Add(row);
            Console.Error.WriteLine($"{name,-22} N={n,11}: {row["ms_per_step"]!.GetValue<double>(),9:F4} ms/step  {gbps,7:F0} GB/s  {gbps / copyGbps,5:P0} of copy" +
                (row["speedup_vs_torch_fused"] is JsonNode s ? $"  x{s.GetValue<double>():F2} vs torch fused" : ""));
        }
        // bfloat16 parameters, gradients and moments (14 B/param), theta rounded stochastically.
        var bf = Bench.StepBFloat16(acc, "adam-bf16-buffers", (int)n, (a, count) => new AdamBFloat16Gpu(a, count));
        bf["fraction_of_copy"] = bf["gbps"]!.GetValue<double>() / copyGbps;
        var fusedTorch = torch?["results"]?.AsArray().FirstOrDefault(r => r?["n"]?.GetValue<long>() == n && r?["mode"]?.GetValue<string>() == "fused");
        if (fusedTorch?["ms_per_step"] is JsonNode fusedMs) bf["speedup_vs_torch_fused"] = fusedMs.GetValue<double>() / bf["ms_per_step"]!.GetValue<double>();
        results.Add(bf);
        Console.Error.WriteLine($"{"adam-bf16-buffers",-22} N={n,11}: {bf["ms_per_step"]!.GetValue<double>(),9:F4} ms/step  {bf["gbps"]!.GetValue<double>(),7:F0} GB/s");
    }
    report["results"] = results;

    if (options.Sweep) report["sweep"] = Bench.Sweep(acc, options, copyGbps);
    if (options.Check) report["check"] = Bench.Check(acc);

    // ---------------------------------------------------------------- the goals of issue 4
    long largest = options.Sizes.Max();
    var goals = new JsonObject();
    foreach (var r in results.Where(r => r!["n"]!.GetValue<long>() == largest))
        goals["fraction_of_copy_at_" + largest + "_" + r!["optimizer"]!.GetValue<string>()] = r["fraction_of_copy"]!.GetValue<double>();
    var adam100 = results.FirstOrDefault(r => r!["optimizer"]!.GetValue<string>() == "adam" && r["n"]!.GetValue<long>() == 100_000_000);
    if (adam100?["speedup_vs_torch_fused"] is JsonNode sp) goals["adam_speedup_vs_torch_fused_at_100M"] = sp.GetValue<double>();
    report["goals"] = goals;
}

string json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
if (options.Json is { } output) File.WriteAllText(output, json);
return 0;

internal sealed record Options(long[] Sizes, string? TorchJson, string? Json, bool Sweep, bool Check, bool Cpu, OptimizationLevel Optimization, int GroupsPerMultiprocessor)
{
    public static Options Parse(string[] args)
    {
        long[] sizes = { 1L << 20, 1L << 24, 100_000_000, 1L << 28 };
        string? torch = null, json = null;
        bool sweep = false, check = false, cpu = false;
        var level = OptimizationLevel.Release;
        int perSm = GpuKernelSettings.GroupsPerMultiprocessor;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sizes": sizes = args[++i].Split(',').Select(Size).ToArray(); break;
                case "--torch": torch = args[++i]; break;
                case "--json": json = args[++i]; break;
                case "--sweep": sweep = true; break;
                case "--check": check = true; break;
                case "--groups-per-sm": perSm = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--cpu": cpu = true; break;
                case "--opt": level = args[++i] == "O2" ? OptimizationLevel.O2 : OptimizationLevel.Release; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: OdeOpt.GpuBench [--sizes 1M,16M,100M,256M] [--torch torch.json] [--json out.json] [--sweep] [--check] [--groups-per-sm k] [--opt O1|O2] [--cpu]");
            }
        }
        return new Options(sizes, torch, json, sweep, check, cpu, level, perSm);
    }

    /// <summary>1M = 2^20 (a power of two); 100M = 100,000,000 (not a power of two, taken as written).</summary>
    private static long Size(string text)
    {
        char unit = char.ToUpperInvariant(text[^1]);
        if (unit != 'K' && unit != 'M') return long.Parse(text, CultureInfo.InvariantCulture);
        long value = long.Parse(text[..^1], CultureInfo.InvariantCulture);
        int shift = unit == 'K' ? 10 : 20;
        bool powerOfTwo = (value & (value - 1)) == 0;
        return powerOfTwo ? value << shift : value * (unit == 'K' ? 1_000 : 1_000_000);
    }
}

internal static class Bench
{
    /// <summary>--cpu: a smoke test of the program on the CPU accelerator (few repetitions).</summary>
    public static bool Quick { get; set; }

    /// <summary>Timed repetitions: enough for about 0.25 s of GPU time per trial, at least 20.</summary>
    private static int Repetitions(double bytesPerCall) => Quick ? 2 : (int)Math.Clamp(0.25 * 2.5e12 / bytesPerCall, 20, 2000);

    /// <summary>Median over trials of the GPU time per call (CUDA events around back-to-back calls), in ms.</summary>
    private static double Time(Accelerator acc, Action call, int repetitions, out double min)
    {
        for (int w = 0; w < (Quick ? 1 : 10); w++) call();
        acc.Synchronize();
        var trials = new List<double>();
        for (int trial = 0; trial < (Quick ? 1 : 5); trial++)
        {
            using var start = acc.DefaultStream.AddProfilingMarker();
            for (int r = 0; r < repetitions; r++) call();
            using var end = acc.DefaultStream.AddProfilingMarker();
            end.Synchronize();
            trials.Add(end.MeasureFrom(start).TotalMilliseconds / repetitions);
        }
        trials.Sort();
        min = trials[0];
        return trials[trials.Count / 2];
    }

    private static void Fill(Index1D i, ArrayView<float> x, float offset, float scale)
    {
        uint hash = (uint)i.X * 2654435761u;
        x[i] = offset + scale * ((hash >> 8) * (1f / 16777216f) - 0.5f);
    }

    private static void Copy4(ArrayView<Float4> source, ArrayView<Float4> destination)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < source.IntLength; i += stride) destination[i] = source[i];
    }

    public static JsonObject CopyBandwidth(Accelerator acc, Options options)
    {
        long n = options.Cpu ? 1 << 22 : 1L << 28; // 1 GiB per buffer on the GPU
        using var a = acc.Allocate1D<float>(n);
        using var b = acc.Allocate1D<float>(n);
        var fill = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, float>(Fill);
        fill((int)n, a.View, 0f, 1f);
        double bytes = 2.0 * n * sizeof(float);
        int reps = Repetitions(bytes);
        double memcpy = Time(acc, () => a.View.CopyTo(b.View), reps, out double memcpyMin);
        var copy4 = acc.LoadStreamKernel<ArrayView<Float4>, ArrayView<Float4>>(Copy4);
        int group = Math.Min(256, acc.MaxNumThreadsPerGroup);
        var config = new KernelConfig(acc.NumMultiprocessors * Math.Max(1, acc.MaxNumThreadsPerMultiprocessor / group), group);
        ArrayView<float> av = a.View, bv = b.View;
        double kernel = Time(acc, () => copy4(config, av.Cast<Float4>(), bv.Cast<Float4>()), reps, out double kernelMin);
        return new JsonObject
        {
            ["bytes_per_copy"] = bytes,
            ["memcpy_ms"] = memcpy,
            ["memcpy_gbps"] = bytes / memcpy / 1e6,
            ["memcpy_best_gbps"] = bytes / memcpyMin / 1e6,
            ["float4_kernel_ms"] = kernel,
            ["float4_kernel_gbps"] = bytes / kernel / 1e6,
            ["float4_kernel_best_gbps"] = bytes / kernelMin / 1e6,
            ["note"] = "GB/s = (bytes read + bytes written) / time; memcpy is ArrayView.CopyTo (cuMemcpy device to device) of 1 GiB",
        };
    }

    public static JsonObject Step(Accelerator acc, string name, int n, Func<Accelerator, int, ISingleGradientGpuOptimizer> create, Options options)
    {
        using var p = acc.Allocate1D<float>(n);
        using var g = acc.Allocate1D<float>(n);
        var fill = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, float>(Fill);
        fill(n, p.View, 0.1f, 0.2f);
        fill(n, g.View, 0f, 0.02f);
        using var optimizer = create(acc, n);
        ArrayView<float> pv = p.View, gv = g.View;
        return Measure(acc, name, n, optimizer.Info.BytesPerParameterPerStep, () => optimizer.Step(pv, gv), () =>
        {
            var sample = new float[Math.Min(n, 4)];
            pv.SubView(0, sample.Length).CopyToCPU(sample);
            return sample;
        });
    }

    /// <summary>The bfloat16 parameter step ([ParameterStorage]): bfloat16 parameter and gradient views.</summary>
    public static JsonObject StepBFloat16(Accelerator acc, string name, int n, Func<Accelerator, int, IBFloat16ParameterGpuOptimizer> create)
    {
        using var p = acc.Allocate1D<float>(n);
        using var g = acc.Allocate1D<float>(n);
        var fill = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, float>(Fill);
        fill(n, p.View, 0.1f, 0.2f);
        fill(n, g.View, 0f, 0.02f);
        var host = new float[n];
        var host16 = new ushort[n];
        using var p16 = acc.Allocate1D<ushort>(n);
        using var g16 = acc.Allocate1D<ushort>(n);
        p.View.CopyToCPU(host);
        OdeOpt.Runtime.BFloat16.Narrow(host, host16);
        p16.View.CopyFromCPU(host16);
        g.View.CopyToCPU(host);
        OdeOpt.Runtime.BFloat16.Narrow(host, host16);
        g16.View.CopyFromCPU(host16);
        using var optimizer = create(acc, n);
        ArrayView<ushort> pv = p16.View, gv = g16.View;
        return Measure(acc, name, n, optimizer.Info.BFloat16ParameterBytesPerParameterPerStep, () => optimizer.Step(pv, gv), () =>
        {
            var sample = new ushort[Math.Min(n, 4)];
            pv.SubView(0, sample.Length).CopyToCPU(sample);
            return sample.Select(OdeOpt.Runtime.BFloat16.ToSingle).ToArray();
        });
    }

    /// <summary>GPU time per step (median of trials), the host-side cost of a call and what it allocates.</summary>
    private static JsonObject Measure(Accelerator acc, string name, int n, int bytesPerParameter, Action step, Func<float[]> sample)
    {
        double bytes = (double)bytesPerParameter * n;
        double ms = Time(acc, step, Repetitions(bytes), out double min);

        // Host-side cost of one call (validation, uniforms, launch), and what it allocates.
        acc.Synchronize();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        int calls = Quick ? 2 : 200;
        for (int i = 0; i < calls; i++) step();
        double hostUs = sw.Elapsed.TotalMilliseconds * 1000 / calls;
        long allocatedPerStep = (GC.GetAllocatedBytesForCurrentThread() - allocated) / calls;
        acc.Synchronize();
        return new JsonObject
        {
            ["optimizer"] = name,
            ["n"] = (long)n,
            ["bytes_per_parameter"] = bytesPerParameter,
            ["ms_per_step"] = ms,
            ["best_ms_per_step"] = min,
            ["gbps"] = bytes / ms / 1e6,
            ["host_us_per_call"] = hostUs,
            ["host_bytes_allocated_per_call"] = allocatedPerStep,
            ["finite"] = sample().All(float.IsFinite),
        };
    }

    private static void Gradient(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = (1 + i % 7) * 0.1f * (x[i] - 0.5f) + 0.01f * MathF.Sin(x[i]) + (i % 3 == 0 ? 0.3f : -0.2f);
    }

    /// <summary>Every optimizer here and the built-ins: the GPU form against the CPU form over 50 steps, with the float4
    /// path (aligned buffers) and the scalar path (parameters one float into their buffer).</summary>
    public static JsonArray Check(Accelerator acc)
    {
        const int n = 100_003;
        var rows = new JsonArray();
        foreach (var name in new[] { "adam", "imex-trapezoidal-adam", "sgd", "sgd-momentum" })
        {
            foreach (bool aligned in new[] { true, false })
            {
                var cpu = OptimizerRegistry.Create(name, n);
                using var gpu = GpuOptimizerRegistry.Create(name, acc, n);
                var p = Enumerable.Range(0, n).Select(i => MathF.Cos(i * 0.37f) * 2).ToArray();
                var host = new float[n];
                var g = new float[n];
                using var buffer = acc.Allocate1D<float>(n + 1);
                using var gradient = acc.Allocate1D<float>(n);
                ArrayView<float> pv = ((ArrayView<float>)buffer.View).SubView(aligned ? 0 : 1, n);
                pv.CopyFromCPU(p);
                double worst = 0, worstElement = 0;
                for (int step = 0; step < 50; step++)
                {
                    cpu.Step(p, Gradient);
                    pv.CopyToCPU(host);
                    Gradient(host, g);
                    gradient.View.CopyFromCPU(g);
                    ((ISingleGradientGpuOptimizer)gpu).Step(pv, gradient.View);
                    pv.CopyToCPU(host);
                    double diff = 0, scale = 0;
                    for (int i = 0; i < n; i++)
                    {
                        double d = Math.Abs((double)host[i] - p[i]);
                        diff = Math.Max(diff, d);
                        scale = Math.Max(scale, Math.Abs((double)p[i]));
                        worstElement = Math.Max(worstElement, d / Math.Max(Math.Abs((double)p[i]), 1e-3));
                    }
                    worst = Math.Max(worst, diff / scale);
                }
                rows.Add(new JsonObject
                {
                    ["optimizer"] = name,
                    ["n"] = n,
                    ["path"] = aligned ? "float4" : "scalar",
                    ["steps"] = 50,
                    ["max_relative_difference"] = worst,
                    ["max_elementwise_relative_difference"] = worstElement,
                    ["within_1e-6"] = worst <= 1e-6,
                });
                Console.Error.WriteLine($"check {name,-22} {(aligned ? "float4" : "scalar")}: max relative difference over 50 steps {worst:E2} (elementwise {worstElement:E2})");
            }
        }
        return rows;
    }

    /// <summary>Adam at every size under other launch settings: groups per multiprocessor, scalar loads.</summary>
    public static JsonArray Sweep(Accelerator acc, Options options, double copyGbps)
    {
        var rows = new JsonArray();
        var variants = new (string Name, bool Vector, int GroupSize, int PerSm)[]
        {
            ("float4, SM filled once (8 groups/SM)", true, 256, 0),
            ("float4, 1 group/SM", true, 256, 1),
            ("float4, 2 groups/SM", true, 256, 2),
            ("float4, 3 groups/SM", true, 256, 3),
            ("float4, 4 groups/SM", true, 256, 4),
            ("float4, 6 groups/SM", true, 256, 6),
            ("scalar loads, SM filled once", false, 256, 0),
        };
        foreach (long n in options.Sizes)
        {
            foreach (var v in variants)
            {
                GpuKernelSettings.VectorAccess = v.Vector;
                GpuKernelSettings.GroupSize = v.GroupSize;
                GpuKernelSettings.GroupsPerMultiprocessor = v.PerSm;
                var row = Step(acc, "adam", (int)n, (a, count) => new AdamGpu(a, count), options);
                row["variant"] = v.Name;
                row["groups_per_multiprocessor"] = v.PerSm;
                row["fraction_of_copy"] = row["gbps"]!.GetValue<double>() / copyGbps;
                rows.Add(row);
                Console.Error.WriteLine($"sweep adam N={n,11}: {v.Name,-40} {row["ms_per_step"]!.GetValue<double>():F4} ms  {row["gbps"]!.GetValue<double>():F0} GB/s");
            }
        }
        GpuKernelSettings.VectorAccess = true;
        GpuKernelSettings.GroupSize = 256;
        GpuKernelSettings.GroupsPerMultiprocessor = options.GroupsPerMultiprocessor;
        return rows;
    }
}
