using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace OdeOpt.Benchmarks;

/// <summary>
/// The strongest peers of the generated Adam step (issue 18), measured in the same run in interleaved rounds:
/// PyTorch's CPU Adam (single-tensor, foreach and, torch 2.4 on, fused) from a Debian 13 root with torch 2.6 when one is
/// there (<c>peers/make-torch-root.sh</c>), else Debian 12's torch 1.13; the same update as a C loop (gcc -O3
/// -march=native -fopenmp -fno-math-errno); TorchSharp's Adam (when bench/OdeOpt.TorchSharpBench is built); and the machine's limit for Adam's 28 bytes per parameter, the best of three
/// bandwidth kernels with that traffic and the C loop.
/// </summary>
public static class Peers
{
    /// <summary>Where the Debian 13 root is looked for: $ODEOPT_TORCH_ROOT, else /var/tmp/odeopt-trixie.</summary>
    public static string TorchRoot => Environment.GetEnvironmentVariable("ODEOPT_TORCH_ROOT") is { Length: > 0 } r ? r : "/var/tmp/odeopt-trixie";

    /// <summary>Runs the torch script (chrooted into <see cref="TorchRoot"/> when it holds a python3 and this process is
    /// root; else Debian's /usr/bin/python3); null when neither has torch. <paramref name="source"/> says which ran.</summary>
    public static JsonNode? Torch(int[] sizes, int[] threads, double budget, out string source)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "torch_cpu_adam.py");
        string arguments = $"--sizes {string.Join(",", sizes)} --threads {string.Join(",", threads)} --budget {budget.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        string root = TorchRoot;
        bool isRoot = Environment.UserName == "root";
        if (isRoot && File.Exists(Path.Combine(root, "usr/bin/python3")))
        {
            File.Copy(script, Path.Combine(root, "tmp/torch_cpu_adam.py"), overwrite: true);
            Run("/bin/sh", $"-c \"mountpoint -q '{root}/proc' || mount -t proc proc '{root}/proc'\"");
            var result = Json(Run("/usr/sbin/chroot", $"\"{root}\" /usr/bin/python3 /tmp/torch_cpu_adam.py {arguments}"));
            if (result is not null)
            {
                source = $"Debian 13 root {root}";
                return result;
            }
        }
        source = isRoot ? $"Debian 12's /usr/bin/python3 (no torch root at {root}: make one with bench/OdeOpt.Benchmarks/peers/make-torch-root.sh)"
            : "Debian 12's /usr/bin/python3 (not root: the Debian 13 root needs chroot)";
        return File.Exists("/usr/bin/python3") ? Json(Run("/usr/bin/python3", $"\"{script}\" {arguments}")) : null;
    }

    /// <summary>Runs peers/make-torch-root.sh for <see cref="TorchRoot"/> (debootstrap of Debian 13 and its python3-torch;
    /// needs root and the network), printing its output.</summary>
    public static void MakeTorchRoot()
    {
        string script = Path.Combine(AppContext.BaseDirectory, "peers", "make-torch-root.sh");
        Console.WriteLine($"making the torch root {TorchRoot} with {script} (a few minutes, about 1.6 GB)...");
        var output = Run("/bin/bash", $"\"{script}\" \"{TorchRoot}\"");
        Console.WriteLine(output is null ? "  failed (not root, no network, or no debootstrap): the peers fall back to Debian 12's torch" : "  " + output.Trim());
    }

    /// <summary>Compiles and runs peers/adam_peer.c; null without gcc.</summary>
    public static JsonNode? C(int[] sizes, int[] threads, double budget)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "peers", "adam_peer.c");
        string binary = Path.Combine(Path.GetTempPath(), "odeopt-adam-peer");
        if (!File.Exists(binary) || File.GetLastWriteTimeUtc(binary) < File.GetLastWriteTimeUtc(source))
            if (Run("gcc", $"-O3 -march=native -fopenmp -fno-math-errno \"{source}\" -o \"{binary}\" -lm") is null) return null;
        return Json(Run(binary, $"--sizes {string.Join(",", sizes)} --threads {string.Join(",", threads)} --budget {budget.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    /// <summary>TorchSharp's Adam through bench/OdeOpt.TorchSharpBench's peer mode, when that project is built (Release);
    /// null otherwise.</summary>
    public static JsonNode? TorchSharp(int[] sizes, int[] threads, double budget)
    {
        string? dll = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && dll is null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "OdeOpt.TorchSharpBench", "bin", "Release", "net10.0", "OdeOpt.TorchSharpBench.dll");
            if (File.Exists(candidate)) dll = candidate;
        }
        if (dll is null) return null;
        return Json(Run("dotnet", $"\"{dll}\" --peer-json --sizes {string.Join(",", sizes)} --threads {string.Join(",", threads)} --budget {budget.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    private static JsonNode? Json(string? output)
    {
        if (output is null) return null;
        try { return JsonNode.Parse(output); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>Standard output of a process that exited 0, else null.</summary>
    private static string? Run(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        // Older OpenBLAS workarounds slow torch down; unset them for the peers only (see the machine notes).
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        psi.Environment.Remove("OPENBLAS_L2_SIZE");
        try
        {
            using var process = Process.Start(psi)!;
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = error.Result;
            return process.ExitCode == 0 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The peer section: <paramref name="rounds"/> rounds, each timing the generated Adam at every (N, threads),
    /// then the C peers, then torch, so that a slow minute of the machine hits every contender alike. Prints the table of
    /// medians over rounds with the ratios' ranges and returns it as JSON.</summary>
    public static JsonObject Compare(int[] sizes, int[] threads, int rounds, double budget, Func<int, int, double> generated, Func<int, int, double>? generatedBf16 = null,
        Func<int, int, double>? generatedBf16Buffers = null)
    {
        var ours = new Dictionary<(int, int), List<double>>();
        var oursBf16 = new Dictionary<(int, int), List<double>>();
        var oursBf16Buffers = new Dictionary<(int, int), List<double>>();
        var c = new List<JsonNode?>();
        var torch = new List<JsonNode?>();
        var torchSharp = new List<JsonNode?>();
        string torchSource = "";
        for (int r = 0; r < rounds; r++)
        {
            foreach (int n in sizes)
                foreach (int t in threads)
                {
                    if (!ours.TryGetValue((n, t), out var list)) ours[(n, t)] = list = new List<double>();
                    list.Add(generated(n, t));
                    if (!oursBf16.TryGetValue((n, t), out var bf)) oursBf16[(n, t)] = bf = new List<double>();
                    bf.Add(generatedBf16?.Invoke(n, t) ?? double.NaN);
                    if (!oursBf16Buffers.TryGetValue((n, t), out var bb)) oursBf16Buffers[(n, t)] = bb = new List<double>();
                    bb.Add(generatedBf16Buffers?.Invoke(n, t) ?? double.NaN);
                }
            c.Add(C(sizes, threads, budget));
            torch.Add(Torch(sizes, threads, budget, out torchSource));
            torchSharp.Add(TorchSharp(sizes, threads, budget));
            Console.WriteLine($"  peers round {r + 1} of {rounds} done");
        }
        string torchVersion = torch.FirstOrDefault(x => x is not null)?[0]?["torch"]?.ToString() ?? "none";
        Console.WriteLine();
        Console.WriteLine($"peers, Adam float32, {rounds} interleaved rounds (medians; ratio ranges over the rounds): torch {torchVersion} from {torchSource}; C: gcc -O3 -march=native -fopenmp -fno-math-errno");
        if (torchSharp.All(x => x is null)) Console.WriteLine("  (TorchSharp's Adam: build bench/OdeOpt.TorchSharpBench in Release to include it)");
        Console.WriteLine($"{"N",10} {"thr",3} {"OdeOpt",8} {"bf16",8} {"bf16all",8} {"t.fused",8} {"t.foreach",9} {"t.single",8} {"TSharp",8} {"C adam",8} {"limit",8} {"fused/OdeOpt",14} {"fused/bf16",12} {"fused/bf16all",14} {"C/OdeOpt",12} {"OdeOpt/limit",14}");
        var rows = new JsonArray();
        foreach (int n in sizes)
            foreach (int t in threads)
            {
                double Pick(JsonNode? doc, string key) =>
                    doc?.AsArray().FirstOrDefault(x => (int)x!["n"]! == n && (int)x["threads"]! == t)?[key] is JsonValue v && v.TryGetValue(out double d) ? d : double.NaN;
                var gen = ours[(n, t)];
                var fused = torch.Select(d => Pick(d, "fused")).ToList();
                var fe = torch.Select(d => Pick(d, "foreach")).ToList();
                var single = torch.Select(d => Pick(d, "single_tensor")).ToList();
                var cAdam = c.Select(d => Pick(d, "adam")).ToList();
                var ts = torchSharp.Select(d => Pick(d, "torchsharp_adam")).ToList();
                // The machine's limit for 28 B/param: the fastest of the bandwidth kernels and the C loop, per round.
                var limit = c.Select(d => new[] { Pick(d, "bw_plain"), Pick(d, "bw_nt"), Pick(d, "bw_prefetch"), Pick(d, "adam") }.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min()).ToList();
                var fusedRatio = fused.Zip(gen, (a, b) => a / b).ToList();
                var bf16 = oursBf16[(n, t)];
                var fusedBf16Ratio = fused.Zip(bf16, (a, b) => a / b).ToList();
                var bf16All = oursBf16Buffers[(n, t)];
                var fusedBf16AllRatio = fused.Zip(bf16All, (a, b) => a / b).ToList();
                var cRatio = cAdam.Zip(gen, (a, b) => a / b).ToList();
                var limitRatio = limit.Zip(gen, (a, b) => a / b).ToList();
                Console.WriteLine($"{n,10} {t,3} {Median(gen),8:F3} {Median(bf16),8:F3} {Median(bf16All),8:F3} {Median(fused),8:F3} {Median(fe),9:F3} {Median(single),8:F3} {Median(ts),8:F3} {Median(cAdam),8:F3} {Median(limit),8:F3} {Range(fusedRatio),14} {Range(fusedBf16Ratio),12} {Range(fusedBf16AllRatio),14} {Range(cRatio),12} {Range(limitRatio),14}");
                rows.Add(new JsonObject
                {
                    ["n"] = n, ["threads"] = t,
                    ["odeopt"] = Array(gen), ["odeopt_bf16_moments"] = Array(bf16), ["torch_fused_over_odeopt_bf16_moments"] = Array(fusedBf16Ratio),
                    ["odeopt_bf16_parameters_gradients_moments"] = Array(bf16All), ["torch_fused_over_odeopt_bf16_parameters_gradients_moments"] = Array(fusedBf16AllRatio), ["torch_fused"] = Array(fused), ["torch_foreach"] = Array(fe), ["torch_single_tensor"] = Array(single), ["torchsharp_adam"] = Array(ts),
                    ["c_adam"] = Array(cAdam), ["limit"] = Array(limit),
                    ["torch_fused_over_odeopt"] = Array(fusedRatio), ["c_over_odeopt"] = Array(cRatio), ["odeopt_throughput_over_limit"] = Array(limitRatio),
                });
            }
        return new JsonObject { ["torch"] = torchVersion, ["torch_source"] = torchSource, ["rounds"] = rounds, ["ns_per_parameter"] = rows };
    }

    private static JsonArray Array(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)(double.IsFinite(v) ? JsonValue.Create(v) : null)).ToArray());

    private static double Median(List<double> values)
    {
        var finite = values.Where(double.IsFinite).OrderBy(v => v).ToList();
        return finite.Count == 0 ? double.NaN : finite[finite.Count / 2];
    }

    private static string Range(List<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? "-" : $"{finite.Min():F2}-{finite.Max():F2}";
    }
}
