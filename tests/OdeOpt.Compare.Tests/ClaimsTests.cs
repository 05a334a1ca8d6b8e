using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Problems;
using Xunit;

namespace OdeOpt.Compare.Tests;

public sealed class ClaimsTests
{
    private static RunContext Context(int? steps = null) => new()
    {
        OutputDirectory = Directory.CreateTempSubdirectory("odeopt-claims-").FullName,
        Images = new ImageDataSource(null, 1),
        Steps = steps,
    };

    [Fact]
    public void Sigma_formulas_match_the_notes()
    {
        Assert.Equal(9.0, SigmaStarProblem.SigmaExact(0.01, 0.9), 10);
        Assert.Equal(9.025, SigmaStarProblem.SigmaContinuum(0.01, 0.9), 3);
        Assert.Equal(4.403, SigmaStarProblem.SigmaContinuum(0.1, 0.9), 3);
        Assert.Equal(4.325, SigmaStarProblem.SigmaExact(0.1, 0.9), 3);
        Assert.Equal(0.9, SigmaStarProblem.SpectralRadius(0.01, 0.9, 9.0), 6);
        Assert.Equal(0.9487, SigmaStarProblem.SpectralRadius(0.01, 0.9, 0), 4);
        // The critical-damping sigma minimises the spectral radius.
        foreach (var s in new[] { 8.5, 9.5 }) Assert.True(SigmaStarProblem.SpectralRadius(0.01, 0.9, s) > 0.9);
    }

    [Fact]
    public void Steps_to_tolerance_is_smallest_near_critical_damping()
    {
        var setup = OptimizerTable.For(OptimizerTable.SigmaStar)[0];
        var optimizer = OptimizerFactory.Create(setup, 1);
        var info = OptimizerRegistry.GetInfo(setup.Name);
        int Steps(double s) => SigmaStarProblem.StepsToTolerance(optimizer, info, setup, 0.1, s, SigmaStarProblem.DeepTolerance, 100_000);
        double best = Enumerable.Range(0, 161).Select(i => i * 0.05).MinBy(Steps);
        Assert.InRange(best, 4.325 - 0.3, 4.325 + 0.3);
        // At k eta = 0.01 the critical sigma = 9 needs far fewer steps than heavy ball (notes, 1.2: about 262 at sigma = 0
        // for a 1e-6 reduction; at the double root theta_i ~ i 0.9^i, so staying below 1e-6 takes about 160).
        int atOptimum = SigmaStarProblem.StepsToTolerance(optimizer, info, setup, 0.01, 9, 1e-6, 100_000);
        int heavyBall = SigmaStarProblem.StepsToTolerance(optimizer, info, setup, 0.01, 0, 1e-6, 100_000);
        Assert.InRange(atOptimum, 120, 170);
        Assert.InRange(heavyBall, 240, 280);
    }

    [Fact]
    public void Eq15_runs_reproduce_the_helper_numbers_and_the_claims()
    {
        var context = Context();
        var report = new Nakerst2DProblem().Run(context);
        var momentum = report.Groups[0].Runs;
        // Independent numbers of the notes (section 1.4) for L - L* after 180 steps.
        Assert.Equal(2.61e-2, momentum.WithSigma(s => s == 0).Single().FinalLoss, 3);
        Assert.Equal(4.57e-2, momentum.WithSigma(s => s == 0.9).Single().FinalLoss, 3);
        Assert.InRange(momentum.WithSigma(s => s == 2).Single().FinalLoss, 7.0e-5, 8.0e-5);
        Assert.InRange(momentum.WithSigma(s => s == 4).Single().FinalLoss, 5.5e-7, 7.0e-7);
        Assert.True(report.Claims.Single(c => c.Id == "nakerst-eq15-super-beats-nesterov").Reproduced);
        Assert.True(report.Claims.Single(c => c.Id == "nakerst-eq15-too-far-ahead").Reproduced);
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(context.OutputDirectory, p.File))));
        Directory.Delete(context.OutputDirectory, true);
    }

    [Fact]
    public void Claims_follow_their_rules_on_small_runs()
    {
        var context = Context(steps: 60);
        var report = new LinearRegressionProblem().Run(context);
        var claim = Assert.Single(report.Claims);
        var runs = report.Groups[0].Runs;
        long Best(Func<double, bool> which) => runs.WithSigma(which).Min(r => r.StepsToTarget ?? long.MaxValue);
        Assert.Equal(Best(s => s is 2 or 4) < Best(s => s is 0 or 0.9), claim.Reproduced);
        Assert.Contains("steps to target", claim.Evidence);
        Directory.Delete(context.OutputDirectory, true);
    }

    [Fact]
    public void A_claim_is_not_evaluated_without_its_runs()
    {
        var report = new ProblemReport { Name = "x", Title = "x", Setup = "" };
        Claims.Nakerst2D(report, [], []);
        Claims.LinearRegression(report, [Run(OptimizerTable.Momentum("hb", 0.1, 0.9, 0), 1.0, 10)]);
        Claims.ImexAdam(report, [], [], [], []);
        Assert.Empty(report.Claims);
    }

    [Fact]
    public void Better_needs_a_clear_margin()
    {
        var a = Run(OptimizerTable.Momentum("a", 0.1, 0.9, 0), 1e-9, 100);
        var b = Run(OptimizerTable.Momentum("b", 0.1, 0.9, 0), 1e-9, 103);
        var c = Run(OptimizerTable.Momentum("c", 0.1, 0.9, 0), 1e-9, 120);
        var none = Run(OptimizerTable.Momentum("d", 0.1, 0.9, 0), 1e-3, null);
        Assert.False(Claims.Better(a, b));
        Assert.True(Claims.Better(a, c));
        Assert.True(Claims.Better(a, none));
        Assert.False(Claims.Better(none, a));
        var worse = Run(OptimizerTable.Momentum("e", 0.1, 0.9, 0), 2e-3, null);
        Assert.True(Claims.Better(none, worse));
        Assert.False(Claims.Better(worse, none));
    }

    [Fact]
    public void Imex_claim_counts_learning_rates()
    {
        RunResult R(string name, double lr, long? gradients) =>
            Run(new OptimizerSetup(name, name, [new(OptimizerTable.AdamRate, lr)]), 1e-9, gradients);
        var report = new ProblemReport { Name = "x", Title = "x", Setup = "" };
        List<RunResult> Pair(double lr, long adam, long trap) => [R(OptimizerTable.Adam, lr, adam), R(OptimizerTable.ImexTrapezoidalAdam, lr, trap)];
        Claims.ImexAdam(report, [Pair(0.001, 100, 99), Pair(0.01, 100, 80), Pair(0.1, 100, 120)], [], [], []);
        var claim = Assert.Single(report.Claims);
        Assert.False(claim.Reproduced);
        Assert.Contains("better at 1 of 3", claim.Evidence);
    }

    private static RunResult Run(OptimizerSetup setup, double final, long? gradientsToTarget)
    {
        var r = new RunResult { Setup = setup, FinalLoss = final, BestLoss = final, StepsToTarget = gradientsToTarget, GradientsToTarget = gradientsToTarget };
        r.Curve.Add((0, 0, 1));
        r.Curve.Add((10, 10, final));
        return r;
    }
}
