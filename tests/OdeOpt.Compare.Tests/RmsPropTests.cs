using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Problems;
using Xunit;

namespace OdeOpt.Compare.Tests;

/// <summary>Nakerst et al. Section 5: the RMSProp problems (Fig. 7 in rmsprop-sigma-star, Fig. 8 in nakerst-2d), checked
/// against references written out here.</summary>
public sealed class RmsPropTests
{
    private static RunContext Context() => new()
    {
        OutputDirectory = Directory.CreateTempSubdirectory("odeopt-rmsprop-").FullName,
        Images = new ImageDataSource(null, 1),
    };

    /// <summary>Eq. (17) with k = 1 as printed (its third line reads theta^(i+1) = theta^(i) + m^(i)), in double precision.</summary>
    private static double[] Eq17(double eta, double sigma, double theta0, int steps, double g = 0.9, double beta2 = 0.999, double eps = 1e-7)
    {
        var y = new double[steps + 1];
        double theta = theta0, m = 0, r = 0;
        y[0] = theta;
        for (int i = 1; i <= steps; i++)
        {
            double x = theta + sigma * m;
            r = beta2 * r + (1 - beta2) * x * x;
            m = g * m - eta * x / Math.Sqrt(r + eps);
            theta += m;
            y[i] = theta;
        }
        return y;
    }

    [Theory]
    [InlineData(0.01, 2.0, 1.0)]
    [InlineData(0.001, 4.0, 1.0)]
    [InlineData(0.1, 0.9, 1.0)]
    [InlineData(0.01, 6.0, 0.01)]
    public void The_library_optimizer_follows_eq_17(double eta, double sigma, double theta0)
    {
        var setup = OptimizerTable.For(OptimizerTable.RmsPropSigmaStar)[0];
        var optimizer = OptimizerFactory.Create(setup, 1);
        var y = RmsPropSigmaStarProblem.Trajectory(optimizer, OptimizerRegistry.GetInfo(setup.Name), setup, eta, sigma, theta0, 300);
        var reference = Eq17(eta, sigma, theta0, 300);
        Assert.True(y.Length > 200, $"only {y.Length} values");
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - reference[i]) <= 1e-5 * theta0 + 1e-3 * Math.Abs(reference[i]), $"step {i}: {y[i]} vs {reference[i]}");
        // The first step from r_0 = 0: m_1 = -eta theta_0 / sqrt((1 - beta2) theta_0^2 + eps), whatever sigma. To 1e-5 relative
        // only: the optimizer holds beta2 in single precision, and 1 - 0.999f = 9.99987e-4.
        double m1 = eta * theta0 / Math.Sqrt(1e-3 * theta0 * theta0 + 1e-7);
        Assert.Equal(theta0 - m1, y[1], 1e-5 * m1 + 1e-6 * theta0);
        // The app's double-precision eq. (17) (used for the r_0 check) is the same map.
        var own = RmsPropSigmaStarProblem.Eq17(eta, sigma, theta0, 0, 0.9, 0.999, 1e-7, 300);
        for (int i = 0; i < own.Length; i++) Assert.Equal(reference[i], own[i], 1e-12);
    }

    [Fact]
    public void The_fit_recovers_a_known_time_scale_from_the_absolute_values()
    {
        var y = Enumerable.Range(0, 200).Select(i => -0.7 * Math.Exp(-i / 12.0)).ToArray();
        var (T, C) = RmsPropSigmaStarProblem.FitExponential(y);
        Assert.Equal(12.0, T, 4);
        Assert.Equal(0.7, C, 6);
        // Least squares on |y|, not on ln|y|: a tail that decays more slowly barely moves the fit, but the line through ln|y| follows it.
        var tail = Enumerable.Range(0, 200).Select(i => Math.Exp(-i / 5.0) + 1e-4 * Math.Exp(-i / 50.0)).ToArray();
        Assert.InRange(RmsPropSigmaStarProblem.FitExponential(tail).T, 4.9, 5.1);
        Assert.True(RmsPropSigmaStarProblem.LogLineT(tail) > 10);
        Assert.Equal(12.0, RmsPropSigmaStarProblem.LogLineT(y), 6);
    }

    [Fact]
    public void The_window_and_the_sign_changes_follow_their_definitions()
    {
        double[] y = [1, -0.5, 0.2, -0.01, 0.002, 0.0005, -0.0002, 0.0001];
        Assert.Equal(y.Length, RmsPropSigmaStarProblem.Window(y, 1e-3).Length);   // at least 30 values: all 8
        var longer = y.Concat(Enumerable.Repeat(1e-6, 40)).ToArray();
        Assert.Equal(30, RmsPropSigmaStarProblem.Window(longer, 1e-3).Length);
        var slow = Enumerable.Range(0, 100).Select(i => Math.Exp(-i / 10.0)).ToArray();   // e^(-i/10) >= 1e-3 up to i = 69
        Assert.Equal(70, RmsPropSigmaStarProblem.Window(slow, 1e-3).Length);
        // theta_0 -> theta_1 is not counted; then -0.5 -> 0.2 -> -0.01 -> 0.002, 0.0005 -> -0.0002 -> 0.0001: 5 changes.
        Assert.Equal(5, RmsPropSigmaStarProblem.SignChanges(y));
    }

    [Fact]
    public void The_fig7b_rule_can_pass_and_fail()
    {
        static RmsPropSigmaStarProblem.Point P(double eta, double s, bool defined = true, double t = 1, double tg = 2) => new(eta, s, defined, t, tg, 3);
        var etas = RmsPropSigmaStarProblem.EtaGrid(9);
        var good = etas.Select(e => e < 0.001 ? P(e, 0, false) : P(e, 3)).ToList();
        Assert.True(Claims.RmsPropAboveG(good, 0.9).Reproduced);
        Assert.Equal(0.001, Claims.RmsPropAboveG(good, 0.9).Eta0!.Value, 9);
        var late = etas.Select(e => e < 0.05 ? P(e, 1.2) : P(e, 3)).ToList();   // only from eta = 0.1 on: too late
        Assert.False(Claims.RmsPropAboveG(late, 0.9).Reproduced);
        var small = etas.Select(e => P(e, 3, t: 1.95, tg: 2)).ToList();          // sigma* large but no gain over sigma = g
        Assert.False(Claims.RmsPropAboveG(small, 0.9).Reproduced);
    }

    [Fact]
    public void The_fig7_claims_follow_their_rules_on_the_run()
    {
        var context = Context();
        var problem = new RmsPropSigmaStarProblem();
        var report = problem.Run(context);
        Assert.Equal(["nakerst-fig7-rmsprop-T-minimum", "nakerst-fig7b-rmsprop-sigma-star-above-g"], report.Claims.Select(c => c.Id));
        Assert.All(report.Claims, QuoteTests.AssertQuoted);
        Assert.All(report.Claims, c => Assert.StartsWith("004_3e3889a9556128ae.txt, Section 5.1", c.Source));

        // The T(sigma) rule, recomputed from the curves.
        bool shapes = problem.LastCurves.All(c =>
        {
            var T = c.Relax.Select(r => r.T).ToArray();
            int k = Array.IndexOf(T, T.Min());
            int critical = Enumerable.Range(0, T.Length).First(i => c.Relax.Skip(i).All(r => r.SignChanges == 0));
            return c.Relax[0].SignChanges >= 2 && c.Relax[^1].SignChanges == 0 && k > 0 && k < T.Length - 1 && 2 * T[k] <= Math.Min(T[0], T[^1])
                && Enumerable.Range(1, k).All(i => T[i] <= 1.05 * T[i - 1]) && Enumerable.Range(critical + 1, T.Length - critical - 1).All(i => T[i] >= 0.95 * T[i - 1]);
        });
        Assert.Equal(shapes, report.Claims[0].Reproduced);
        Assert.Equal([0.001, 0.01, 0.1], problem.LastCurves.Select(c => c.Eta));

        // The Fig. 7(b) rule, recomputed from the points.
        var fit = problem.LastFit;
        int from = fit.Count;
        while (from > 0 && fit[from - 1] is { Defined: true } p && p.Fitted >= 2 && p.TAtFitted <= 0.9 * p.TNesterov) from--;
        Assert.Equal(from < fit.Count && fit[from].Eta <= 0.0101, report.Claims[1].Reproduced);

        // Independent numbers: T at eta = 0.01 from eq. (17) written out here and fitted by a plain scan of 1/T.
        var star = fit.Single(p => Math.Abs(p.Eta - 0.01) < 1e-9);
        var y = Eq17(0.01, 0.9, 1, 4000);
        int last = Array.FindLastIndex(y, v => Math.Abs(v) >= 1e-3);
        var w = y.Take(Math.Max(last + 1, 30)).Select(Math.Abs).ToArray();
        double bestT = 0, bestR = double.PositiveInfinity;
        for (double T = 0.5; T < 40; T += 0.001)
        {
            double see = 0, sye = 0, syy = 0;
            for (int i = 0; i < w.Length; i++) { double e = Math.Exp(-i / T); see += e * e; sye += w[i] * e; syy += w[i] * w[i]; }
            double res = syy - sye * sye / see;
            if (res < bestR) (bestR, bestT) = (res, T);
        }
        Assert.Equal(bestT, star.TNesterov, 0.01);
        // sigma* at eta = 0.01 beats both sigma = g and the heavy ball (the Section 5.1 minimum exists there).
        Assert.True(star.Defined && star.TAtFitted < star.TNesterov && star.TAtFitted < star.THeavyBall);
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(context.OutputDirectory, p.File))));
        Directory.Delete(context.OutputDirectory, true);
    }

    [Fact]
    public void The_fig8_groups_and_claims_follow_their_rules()
    {
        var context = Context();
        var report = new Nakerst2DProblem().Run(context);
        var groups = report.Groups.Where(g => g.Group.StartsWith("Fig. 8")).ToArray();
        Assert.Equal(2, groups.Length);
        Assert.Contains("eta = 0.01", groups[0].Group);
        Assert.Contains("eta = 0.1", groups[1].Group);
        Assert.All(groups[0].Runs, r => Assert.Equal(0.01, r.Setup.Get(OptimizerTable.RmsRate), 9));
        Assert.All(groups[1].Runs, r => Assert.Equal(0.1, r.Setup.Get(OptimizerTable.RmsRate), 9));
        var rmsClaims = report.Claims.Where(c => c.Id.StartsWith("nakerst-fig8-")).ToArray();
        Assert.Equal(["nakerst-fig8-eta0.01-faster-beyond-g", "nakerst-fig8-eta0.01-too-large-converges-elsewhere", "nakerst-fig8-eta0.1-faster-beyond-g", "nakerst-fig8-eta0.1-too-large-converges-elsewhere"],
            rmsClaims.Select(c => c.Id));
        Assert.All(rmsClaims, QuoteTests.AssertQuoted);
        Assert.DoesNotContain(report.Claims, c => c.Id == "nakerst-rmsprop-super");

        var (x1, x2, _) = TestFunctions.NakerstMinimum();
        double D(float[] p) => Math.Sqrt((p[0] - x1) * (p[0] - x1) + (p[1] - x2) * (p[1] - x2));
        foreach (var (runs, tag) in new[] { (groups[0].Runs, "eta0.01"), (groups[1].Runs, "eta0.1") })
        {
            double Final(double sigma) => D(runs.Single(r => OptimizerTable.SigmaOf(r.Setup) == sigma).Trajectory![^1]);
            Assert.Equal(new[] { 2.0, 3, 4 }.Min(Final) <= 0.8 * Final(0.9), rmsClaims.Single(c => c.Id == $"nakerst-fig8-{tag}-faster-beyond-g").Reproduced);
            var sigmas = runs.Select(r => OptimizerTable.SigmaOf(r.Setup)).ToArray();
            double best = sigmas.MinBy(Final);
            bool stuck = runs.Where(r => OptimizerTable.SigmaOf(r.Setup) > best).Any(r =>
            {
                var tail = r.Trajectory!.TakeLast(20).ToArray();
                double spread = tail.Max(p => tail.Max(q => Math.Sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]))));
                return tail.All(p => D(p) > 0.5) && spread < 0.1;
            });
            Assert.Equal(stuck, rmsClaims.Single(c => c.Id == $"nakerst-fig8-{tag}-too-large-converges-elsewhere").Reproduced);
        }
        // Independent numbers (eq. (16) in double precision, written out in a separate prototype): the distance after 180 steps.
        Assert.Equal(0.218, D(groups[0].Runs.Single(r => OptimizerTable.SigmaOf(r.Setup) == 0.9).Trajectory![^1]), 2);
        Assert.Equal(0.128, D(groups[0].Runs.Single(r => OptimizerTable.SigmaOf(r.Setup) == 4).Trajectory![^1]), 2);
        Assert.Equal(0.00435, D(groups[1].Runs.Single(r => OptimizerTable.SigmaOf(r.Setup) == 0).Trajectory![^1]), 3);
        Assert.Equal(0.299, D(groups[1].Runs.Single(r => OptimizerTable.SigmaOf(r.Setup) == 2).Trajectory![^1]), 2);
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(context.OutputDirectory, p.File))));
        Directory.Delete(context.OutputDirectory, true);
    }
}
