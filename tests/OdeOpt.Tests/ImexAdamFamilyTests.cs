using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>The IMEX-Adam family (Bhattacharjee et al.): the midpoint and ARS(2,3,3) built-ins against the stage-by-stage
/// tableau reference; their orders on the unbiased Adam ODE are measured in <see cref="ConvergenceOrderTests"/>.</summary>
public class ImexAdamFamilyTests
{
    private readonly ITestOutputHelper _out;
    public ImexAdamFamilyTests(ITestOutputHelper output) => _out = output;

    private static readonly double Gamma = (3 + Math.Sqrt(3)) / 6;

    public static TheoryData<string> Names => new() { "imex-midpoint-adam", "imex-ars233-adam" };

    private static (double[,] A, double[] B, double[,] Ah, double[] Bh) Pair(string name) => name switch
    {
        "imex-midpoint-adam" => (new double[,] { { 0, 0 }, { 0.5, 0 } }, new[] { 0.0, 1 }, new double[,] { { 0, 0 }, { 0, 0.5 } }, new[] { 0.0, 1 }),
        _ => (new double[,] { { 0, 0, 0 }, { Gamma, 0, 0 }, { Gamma - 1, 2 * (1 - Gamma), 0 } }, new[] { 0, 0.5, 0.5 },
              new double[,] { { 0, 0, 0 }, { 0, Gamma, 0 }, { 0, 1 - 2 * Gamma, Gamma } }, new[] { 0, 0.5, 0.5 }),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_the_stage_by_stage_tableau_reference_for_200_steps(string name)
    {
        const int steps = 200;
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var opt = (ITrainingOptimizer)OptimizerRegistry.Create(name, TorchHarness.N);
        opt.SetHyperparameter("LearningRate", lr);
        var p = Problems.ToFloat(TorchHarness.Start);
        var grad = Problems.ToFloat(TorchHarness.Rosenbrock, TorchHarness.N);
        int calls = 0;
        for (int s = 0; s < steps; s++) opt.Step(p, (a, b) => { calls++; grad(a, b); });
        var (A, B, Ah, Bh) = Pair(name);
        var reference = ImexTrapezoidalAdamTests.Reference(A, B, Ah, Bh, TorchHarness.Start, steps, lr, b1, b2, eps, (x, g) => Problems.RosenbrockGradient(x, g));
        double error = Problems.MaxRelativeError(p, reference);
        _out.WriteLine($"{name}: error {error:E3} after {steps} steps; {calls} gradients; {opt.Info}");
        Assert.Equal(opt.Info.GradientEvaluationsPerStep * steps, calls);
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(TorchHarness.Start), reference) > 0.1);
    }

    [Fact]
    public void Orders_and_gradients_per_step()
    {
        Assert.Equal((1, 1), (Adam.StaticInfo.Order, Adam.StaticInfo.GradientEvaluationsPerStep));
        Assert.Equal((2, 1), (ImexTrapezoidalAdam.StaticInfo.Order, ImexTrapezoidalAdam.StaticInfo.GradientEvaluationsPerStep));
        Assert.Equal((2, 2), (ImexMidpointAdam.StaticInfo.Order, ImexMidpointAdam.StaticInfo.GradientEvaluationsPerStep));
        Assert.Equal((3, 3), (ImexArs233Adam.StaticInfo.Order, ImexArs233Adam.StaticInfo.GradientEvaluationsPerStep));
    }
}
