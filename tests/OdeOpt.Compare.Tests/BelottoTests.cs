using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OdeOpt.Compare.Core;
using OdeOpt.Compare.Data;
using OdeOpt.Compare.Problems;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Compare.Tests;

/// <summary>Problem 4 (Belotto da Silva &amp; Gazeau, poster 002_da1d247a7cf83f3e.txt): the Adam the app runs against eq. (4)
/// written out here from the poster, the quartic, and the rules of the Fig. 2 and Fig. 3 claims.</summary>
public sealed class BelottoTests(ITestOutputHelper output)
{
    // The quartic and its gradient written out here: u = x + y, w = (x - y)/2, f = u^4 + w^4,
    // df/dx = 4 u^3 + 2 w^3, df/dy = 4 u^3 - 2 w^3.
    private static (double, double) Gradient(double x, double y)
    {
        double u = x + y, w = (x - y) / 2;
        return (4 * u * u * u + 2 * w * w * w, 4 * u * u * u - 2 * w * w * w);
    }

    private static readonly (double X, double Y) Start = (0.5, -2.5);

    /// <summary>Eq. (4) as printed, in double precision: m_0 = g(theta_0), v_0 = g(theta_0)^2; for k >= 0
    /// theta_{k+1} = theta_k - s m_k / sqrt(v_k + eps), g_{k+1} = grad f(theta_{k+1}),
    /// m_{k+1} = mu_{k+2} m_k + (1 - mu_{k+2}) g_{k+1}, v_{k+1} = nu_{k+2} v_k + (1 - nu_{k+2}) g_{k+1}^2, with
    /// mu_k = beta1 (1 - beta1^(k-1)) / (1 - beta1^k), nu_k = beta2 (1 - beta2^(k-1)) / (1 - beta2^k).
    /// <paramref name="shift"/> moves the index of mu and nu (0 = as printed), to show that the comparison can fail.</summary>
    private static (double X, double Y)[] Eq4(double s, double beta1, double beta2, double eps, int steps, int shift = 0)
    {
        double Mu(int k) => beta1 * (1 - Math.Pow(beta1, k - 1)) / (1 - Math.Pow(beta1, k));
        double Nu(int k) => beta2 * (1 - Math.Pow(beta2, k - 1)) / (1 - Math.Pow(beta2, k));
        var theta = new (double X, double Y)[steps + 1];
        theta[0] = Start;
        var (gx, gy) = Gradient(Start.X, Start.Y);
        double mx = gx, my = gy, vx = gx * gx, vy = gy * gy;
        for (int k = 0; k < steps; k++)
        {
            theta[k + 1] = (theta[k].X - s * mx / Math.Sqrt(vx + eps), theta[k].Y - s * my / Math.Sqrt(vy + eps));
            (gx, gy) = Gradient(theta[k + 1].X, theta[k + 1].Y);
            double mu = Mu(k + 2 + shift), nu = Nu(k + 2 + shift);
            mx = mu * mx + (1 - mu) * gx;
            my = mu * my + (1 - mu) * gy;
            vx = nu * vx + (1 - nu) * gx * gx;
            vy = nu * vy + (1 - nu) * gy * gy;
        }
        return theta;
    }

    /// <summary>torch.optim.Adam in double precision: m = v = 0; at step t = 1, 2, ...: g = grad f(theta),
    /// m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2, theta -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).</summary>
    private static (double X, double Y)[] TorchAdam(double lr, double beta1, double beta2, double eps, int steps)
    {
        var theta = new (double X, double Y)[steps + 1];
        theta[0] = Start;
        double mx = 0, my = 0, vx = 0, vy = 0;
        for (int t = 1; t <= steps; t++)
        {
            var (gx, gy) = Gradient(theta[t - 1].X, theta[t - 1].Y);
            mx = beta1 * mx + (1 - beta1) * gx;
            my = beta1 * my + (1 - beta1) * gy;
            vx = beta2 * vx + (1 - beta2) * gx * gx;
            vy = beta2 * vy + (1 - beta2) * gy * gy;
            double c1 = 1 - Math.Pow(beta1, t), c2 = 1 - Math.Pow(beta2, t);
            theta[t] = (theta[t - 1].X - lr * (mx / c1) / (Math.Sqrt(vx / c2) + eps), theta[t - 1].Y - lr * (my / c1) / (Math.Sqrt(vy / c2) + eps));
        }
        return theta;
    }

    private static double MaxGap((double X, double Y)[] a, (double X, double Y)[] b) =>
        a.Zip(b, (p, q) => Math.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y))).Max();

    [Theory]
    [InlineData(0.01, 0.9, 0.999)]
    [InlineData(0.001, 0.9, 0.999)]
    [InlineData(0.01, 0.5, 0.5)]
    public void Eq_4_is_torch_Adam_up_to_where_eps_goes(double s, double beta1, double beta2)
    {
        const int steps = 2000;
        // With eps = 0 the two are the same recursion (1 - mu_k = (1 - beta1)/(1 - beta1^k), so m_k is torch's m_hat at
        // step k + 1): equal to rounding. Shifting the index of mu, nu by one breaks it: the comparison can fail.
        var eq4 = Eq4(s, beta1, beta2, 0, steps);
        double same = MaxGap(eq4, TorchAdam(s, beta1, beta2, 0, steps));
        double shifted = MaxGap(Eq4(s, beta1, beta2, 0, steps, shift: 1), TorchAdam(s, beta1, beta2, 0, steps));
        // With eps = 1e-8 in each one's own place (inside the root in eq. (4), outside in torch), a step differs by at
        // most s |m| |1/sqrt(v + eps) - 1/(sqrt(v) + eps)|, relative eps/(2 v) + eps/sqrt(v): small while sqrt(v) >> 1e-4.
        double placed = MaxGap(Eq4(s, beta1, beta2, 1e-8, steps), TorchAdam(s, beta1, beta2, 1e-8, steps));
        output.WriteLine($"s = {s}, betas ({beta1}, {beta2}): eps = 0 gap {same:E2}, index shifted {shifted:E2}; eps = 1e-8 inside vs outside {placed:E2}");
        // Rounding (1e-16 an operation) grows along 2000 steps, most near the minimum where small betas make the step
        // sign-like: 1e-10 bounds it; the index error moves the path by 1e-4 or more (about 0.1 s).
        Assert.True(same < 1e-10, $"{same}");
        Assert.True(shifted > 1e-4, $"{shifted}");
        // The placement of eps is invisible at the standard betas (v keeps the early large gradients), but with
        // beta2 = 0.5 v follows g^2 down below eps near the minimum, and there it changes the path.
        if (beta2 > 0.9) Assert.True(placed < 1e-6, $"{placed}");
        else Assert.True(placed > 1e-4, $"{placed}");
    }

    [Theory]
    [InlineData(0.01, 0.9, 0.999, 5000)]
    [InlineData(0.003, 0.9, 0.999, 5000)]
    [InlineData(0.01, 0.5, 0.5, 300)]
    public void The_app_runs_eq_4(double s, double beta1, double beta2, int steps)
    {
        // The optimizer the app runs (OptimizerTable.AdamEq4, through the Trainer on the app's objective, f32 parameters)
        // against eq. (4) in double with the same eps = 1e-8 inside the root: eps is in the same place, so the gap is f32
        // rounding (relative 6e-8 an operation), amplified along the run; the bound 2e-4 is 0.1% of the smallest move
        // compared, and an index error of mu, nu gives more than 1e-3 (the test above).
        var setup = OptimizerTable.AdamEq4(s, beta1, beta2);
        var run = Trainer.Run(setup, TestFunctions.QuarticObjective(), Budget.OfSteps(steps), 0, recordTrajectory: true);
        var reference = Eq4(s, beta1, beta2, OptimizerTable.BelottoEpsilon, steps);
        var app = run.Trajectory!.Select(p => ((double)p[0], (double)p[1])).ToArray();
        double gap = MaxGap(app, reference);
        output.WriteLine($"s = {s}, betas ({beta1}, {beta2}), {steps} steps: largest gap {gap:E2}; end ({reference[^1].X:F5}, {reference[^1].Y:F5})");
        Assert.Equal(steps + 1, app.Length);
        Assert.True(gap < 2e-4, $"{gap}");
        Assert.True(MaxGap(reference, [.. Enumerable.Repeat(Start, steps + 1)]) > 0.5);
    }

    [Fact]
    public void The_app_runs_gradient_descent_as_theta_minus_s_grad_f()
    {
        const double s = 0.01;
        const int steps = 1000;
        var gd = OptimizerTable.For(OptimizerTable.BelottoQuartic).First(r => r.Name == OptimizerTable.GradientDescent && BelottoQuarticProblem.RateOf(r) == s);
        var run = Trainer.Run(gd, TestFunctions.QuarticObjective(), Budget.OfSteps(steps), 0, recordTrajectory: true);
        var x = Start;
        double worst = 0;
        for (int k = 1; k <= steps; k++)
        {
            var (gx, gy) = Gradient(x.X, x.Y);
            x = (x.X - s * gx, x.Y - s * gy);
            worst = Math.Max(worst, Math.Sqrt(Math.Pow(run.Trajectory![k][0] - x.X, 2) + Math.Pow(run.Trajectory[k][1] - x.Y, 2)));
        }
        Assert.True(worst < 1e-4, $"{worst}");
    }

    [Fact]
    public void The_quartic_its_gradient_and_the_stability_limit()
    {
        // f(0.5, -2.5) = (-2)^4 + 1.5^4 = 16 + 5.0625.
        Assert.Equal(21.0625, TestFunctions.Quartic(0.5, -2.5), 12);
        var (gx, gy) = TestFunctions.QuarticGradient(0.5, -2.5);
        var (ex, ey) = Gradient(0.5, -2.5); // (-32 + 6.75, -32 - 6.75)
        Assert.Equal(-25.25, gx, 12);
        Assert.Equal(-38.75, gy, 12);
        Assert.Equal((ex, ey), (gx, gy));
        // The Hessian at the start by central differences of the gradient: eigenvalues 24 u^2 = 96 and 6 w^2 = 13.5.
        const double h = 1e-5;
        double hxx = (Gradient(0.5 + h, -2.5).Item1 - Gradient(0.5 - h, -2.5).Item1) / (2 * h);
        double hxy = (Gradient(0.5, -2.5 + h).Item1 - Gradient(0.5, -2.5 - h).Item1) / (2 * h);
        double hyy = (Gradient(0.5, -2.5 + h).Item2 - Gradient(0.5, -2.5 - h).Item2) / (2 * h);
        double mean = (hxx + hyy) / 2, radius = Math.Sqrt((hxx - hyy) * (hxx - hyy) / 4 + hxy * hxy);
        Assert.Equal(96, mean + radius, 4);
        Assert.Equal(13.5, mean - radius, 4);
        Assert.All(OptimizerTable.BelottoRatesFull, s => Assert.True(s < 2 / 96.0));
        // Both beta pairs satisfy Theorem 1's 3 + beta2 > 4 beta1.
        Assert.True(3 + OptimizerTable.BelottoBeta2 > 4 * OptimizerTable.BelottoBeta1);
        Assert.True(3 + OptimizerTable.BelottoSmallBeta2 > 4 * OptimizerTable.BelottoSmallBeta1);
    }

    [Fact]
    public void The_equal_time_error_pairs_t_equal_k_s()
    {
        // A reference at s = 0.001 with theta_j = (j, 0) and a run at s = 0.004 with theta_k = (4k + 1, 0): at t = k s the
        // reference is at step 4k, so the error is 1 at every t except t = 0, where both start together below.
        static RunResult Run(double s, IEnumerable<float[]> path) =>
            new() { Setup = OptimizerTable.AdamEq4(s, 0.9, 0.999), Trajectory = path.ToList() };
        var reference = Run(0.001, Enumerable.Range(0, 41).Select(j => new float[] { j, 0 }));
        var coarse = Run(0.004, Enumerable.Range(0, 11).Select(k => new float[] { k == 0 ? 0 : 4 * k + 1, 0 }));
        var (t, e) = BelottoQuarticProblem.EqualTimeError(coarse, reference);
        Assert.Equal(11, t.Length);
        Assert.Equal(0.04, t[^1], 12);
        Assert.Equal(0, e[0]);
        Assert.All(e.Skip(1), x => Assert.Equal(1, x, 12));
        // The same points as curves: every reference point lies on the coarse polyline (0 to 41 on the x axis), and the
        // coarse end (41, 0) is 1 from the reference's polyline (0 to 40): Hausdorff = 1.
        Assert.Equal(1, BelottoQuarticProblem.Hausdorff(coarse, reference), 6);
        Assert.Throws<ArgumentException>(() => BelottoQuarticProblem.EqualTimeError(Run(0.0025, coarse.Trajectory!), reference));
    }

    private static ProblemReport Report() => new() { Name = "belotto-quartic", Title = "", Setup = "" };

    [Fact]
    public void The_fig_2_rules_need_every_grid_point()
    {
        var all = new List<Claims.BelottoPoint> { new(0.01, 200, 0.1, 1, 0.5), new(0.01, 1000, 0.01, 0.1, 0.001) };
        var report = Report();
        Claims.BelottoFig2(report, all);
        Assert.Equal(["belotto-fig2-gd-beats-adam", "belotto-fig2-large-betas-cause"], report.Claims.Select(c => c.Id));
        Assert.All(report.Claims, c => Assert.True(c.Reproduced));
        Assert.All(report.Claims, QuoteTests.AssertQuoted);
        Assert.Contains("at or below GD at 1", report.Claims[1].Evidence);
        // One point where GD is not lower, and one where small betas do not help: both claims fail.
        var report2 = Report();
        Claims.BelottoFig2(report2, [.. all, new(0.003, 5000, 0.2, 0.2, 0.3)]);
        Assert.All(report2.Claims, c => Assert.False(c.Reproduced));
    }

    [Fact]
    public void The_fig_3_rule_needs_adam_apart_and_gd_first_order()
    {
        // s_ref = 0.001; GD errors 1 * (s - s_ref) (first order), Adam's 0.2 and more.
        Claims.BelottoFig3Point P(double s, double adam, double gd) => new(s, adam, gd, adam, gd);
        var good = new[] { P(0.002, 0.2, 0.001), P(0.004, 0.3, 0.003), P(0.008, 0.4, 0.007) };
        var report = Report();
        Claims.BelottoFig3(report, 0.001, 10, good);
        var claim = Assert.Single(report.Claims);
        Assert.Equal("belotto-fig3-learning-rate-changes-dynamics", claim.Id);
        Assert.True(claim.Reproduced);
        QuoteTests.AssertQuoted(claim);
        foreach (var bad in new[]
        {
            new[] { P(0.002, 0.05, 0.001), good[1], good[2] },   // Adam too close at one s
            new[] { good[0], good[1], P(0.008, 0.4, 0.05) },      // GD above a tenth of Adam
            new[] { good[0], good[1], P(0.008, 0.4, 0.0139) },    // GD slope 2: not first order within 1.5
        })
        {
            var r = Report();
            Claims.BelottoFig3(r, 0.001, 10, bad);
            Assert.False(r.Claims.Single().Reproduced);
        }
    }

    [Fact]
    public void The_problem_files_its_three_claims_with_quotes_and_plots()
    {
        var context = new RunContext
        {
            OutputDirectory = Directory.CreateTempSubdirectory("odeopt-belotto-").FullName,
            Images = new ImageDataSource(null, 1),
            Steps = 20,
        };
        var report = new BelottoQuarticProblem().Run(context);
        Assert.Equal(["belotto-fig2-gd-beats-adam", "belotto-fig2-large-betas-cause", "belotto-fig3-learning-rate-changes-dynamics"], report.Claims.Select(c => c.Id));
        Assert.All(report.Claims, QuoteTests.AssertQuoted);
        Assert.All(report.Claims, c => Assert.StartsWith("002_da1d247a7cf83f3e.txt, Fig. ", c.Source));
        Assert.Contains("The text gives no step size, betas or step count for these figures", report.Setup);
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(context.OutputDirectory, p.File)), p.File));
        Assert.Equal(4, report.Plots.Count);
        // 3 step sizes x (GD, Adam, small-beta Adam) for Fig. 2; 4 step sizes x (GD, Adam) for Fig. 3.
        Assert.Equal([9, 8], report.Groups.Select(g => g.Runs.Count));
    }
}
