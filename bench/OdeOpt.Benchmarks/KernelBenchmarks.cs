using System;
using BenchmarkDotNet.Attributes;

namespace OdeOpt.Benchmarks;

/// <summary>The full BenchmarkDotNet suite: every optimizer, size and thread count, four ways of doing the update.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 7)]
public class KernelBenchmarks
{
    private BenchCase _case = null!;

    [Params("adam", "imex-trapezoidal-adam", "sgd-momentum", "rk4-gradient-flow")]
    public string Optimizer { get; set; } = "adam";

    [Params(65_536, 1_048_576, 16_777_216)]
    public int N { get; set; }

    [Params(1, 0)] // 0 = all cores
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Each case runs in its own process, where Program's setting does not apply: force threads at every size here
        // too, as the comparison variants do (the default threshold is measured in quick mode's crossover).
        OdeOpt.Runtime.KernelSettings.ParallelThreshold = 1 << 16;
        _case = Cases.Create(Optimizer, N, Threads == 0 ? Environment.ProcessorCount : Threads);
    }

    [Benchmark(Baseline = true)] public void Generated() => _case.Generated();
    [Benchmark] public void Scalar() => _case.Scalar();
    [Benchmark] public void TensorPrimitives() => _case.Tensor();
    [Benchmark] public void Triad() => _case.Triad();
}

public static class Cases
{
    public static readonly string[] Names = { "adam", "imex-trapezoidal-adam", "sgd-momentum", "rk4-gradient-flow" };

    public static BenchCase Create(string name, int n, int threads) => name switch
    {
        "adam" => new AdamCase(n, threads),
        "imex-trapezoidal-adam" => new TrapezoidalCase(n, threads),
        "sgd-momentum" => new MomentumCase(n, threads),
        "rk4-gradient-flow" => new Rk4Case(n, threads),
        _ => throw new ArgumentException($"Unknown case '{name}'. Known: {string.Join(", ", Names)}."),
    };
}
