// Staged schemes declared by a user (here, the tests) the way the built-ins are: an adaptive Heun–Euler 2(1) on a
// two-variable ODE with the elementary controller, checked step by step against the textbook algorithm written out in
// double (Hairer, Norsett & Wanner I, Sec. II.4), and the implicit midpoint rule on the gradient flow, checked for
// order 2.
using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>Damped Newton u' = -g - gamma u, theta' = u, both parts explicit, under Heun–Euler 2(1) with the elementary
/// controller: the error norm runs over theta and u.</summary>
[Optimizer("test-adaptive-heun-euler-newton", Order = 2, EmbeddedOrder = 1, StepControl = StepControl.Elementary)]
[ExplicitTableau("0 0; 1 0", B = "1/2 1/2", BHat = "1 0")]
public partial class AdaptiveHeunEulerNewton
{
    [Hyperparameter(Min = 0), StepSize] public float TimeStep { get; set; } = 0.1f;
    [Hyperparameter(Min = 0)] public float Damping { get; set; } = 1f;

    [Explicit("u")] static float U(float g, float u, float damping) => -g - damping * u;
    [Explicit("theta")] static float Theta(float u) => u;
}

/// <summary>The implicit midpoint rule on the gradient flow: Y = theta_n + h/2 f(Y), theta_{n+1} = theta_n + h f(Y).</summary>
[Optimizer("test-implicit-midpoint-gradient-flow", Order = 2, Ode = typeof(ImplicitGradientFlowOde))]
[ExplicitTableau("0", B = "1")]
[ImplicitTableau("1/2", B = "1")]
public partial class ImplicitMidpointGradientFlow;

public sealed class StagedUserDeclarationTests
{
    private readonly ITestOutputHelper _out;
    public StagedUserDeclarationTests(ITestOutputHelper output) => _out = output;

    // f = sum_i (1 + i) (x_i - 1)^2 / 2 + x_i^4 / 4: a smooth, mildly stiff, nonlinear loss.
    private static double[] Grad(double[] x) => x.Select((v, i) => (1 + i) * (v - 1) + v * v * v).ToArray();

    private static GradientFunction FloatGrad => (p, g) =>
    {
        var gd = Grad(p.ToArray().Select(v => (double)v).ToArray());
        for (int i = 0; i < gd.Length; i++) g[i] = (float)gd[i];
    };

    [Fact]
    public void A_declared_adaptive_Heun_Euler_takes_the_textbook_steps()
    {
        const int n = 6;
        const double gamma = 1, atol = 1e-6, rtol = 1e-3, safety = 0.9, facmin = 0.2, facmax = 5;
        var opt = new AdaptiveHeunEulerNewton(n) { TimeStep = 1f, Damping = (float)gamma };
        Assert.Equal(2, opt.Info.Order);
        Assert.Equal(1, opt.Info.EmbeddedOrder);
        Assert.Equal(StepControl.Elementary, opt.Info.StepControl);
        Assert.Equal(new[] { "AbsoluteTolerance", "RelativeTolerance", "Safety", "MinFactor", "MaxFactor", "MaxRejections" },
            opt.Info.Hyperparameters.Skip(2).Select(h => h.Name));

        var x = Enumerable.Range(0, n).Select(i => (float)(2 * Math.Cos(i))).ToArray();
        // The reference: y = (theta, u), f(y) = (u, -g(theta) - gamma u); k1 kept across rejections.
        var theta = x.Select(v => (double)v).ToArray();
        var u = new double[n];
        double h = 1;
        int rejected = 0, matched = 0;
        const int steps = 60;
        for (int s = 0; s < steps; s++)
        {
            opt.Step(x, FloatGrad);
            var g1 = Grad(theta);
            var k1t = u;
            var k1u = u.Select((v, i) => -g1[i] - gamma * v).ToArray();
            while (true)
            {
                var t2 = theta.Select((v, i) => v + h * k1t[i]).ToArray();
                var u2 = u.Select((v, i) => v + h * k1u[i]).ToArray();
                var g2 = Grad(t2);
                var k2t = u2;
                var k2u = u2.Select((v, i) => -g2[i] - gamma * v).ToArray();
                var t1 = theta.Select((v, i) => v + h / 2 * (k1t[i] + k2t[i])).ToArray();
                var u1 = u.Select((v, i) => v + h / 2 * (k1u[i] + k2u[i])).ToArray();
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    double et = h / 2 * (k2t[i] - k1t[i]), eu = h / 2 * (k2u[i] - k1u[i]); // y1 - yhat1
                    sum += Math.Pow(et / (atol + rtol * Math.Max(Math.Abs(theta[i]), Math.Abs(t1[i]))), 2);
                    sum += Math.Pow(eu / (atol + rtol * Math.Max(Math.Abs(u[i]), Math.Abs(u1[i]))), 2);
                }
                double err = Math.Sqrt(sum / (2 * n));
                double factor = safety * Math.Pow(1 / err, 0.5);
                if (err <= 1)
                {
                    // The error norm is summed in float stages here and in double there: h agrees to rounding.
                    if (Math.Abs(h - opt.Statistics.LastStepSize) <= 1e-4 * h) matched++;
                    theta = t1;
                    u = u1;
                    h = (float)(h * Math.Min(facmax, Math.Max(facmin, factor)));
                    break;
                }
                rejected++;
                h = (float)(h * Math.Min(1, Math.Max(facmin, factor)));
            }
        }
        double worst = Enumerable.Range(0, n).Max(i => Math.Abs(x[i] - theta[i]));
        _out.WriteLine($"adaptive Heun-Euler 2(1), {steps} steps: {matched} accepted h within 1e-4 of the textbook's, {opt.Statistics.RejectedSteps} rejections (textbook {rejected}), " +
                       $"t = {opt.Statistics.Time:F4}, max |theta - textbook| = {worst:E2}");
        Assert.Equal(steps, matched);
        Assert.Equal(rejected, opt.Statistics.RejectedSteps);
        Assert.True(rejected >= 1);
        Assert.True(worst <= 1e-4, $"max |theta - textbook| = {worst:E2}");
    }

    [Fact]
    public void A_declared_implicit_midpoint_rule_is_second_order_and_solves_its_stage()
    {
        const int n = 4;
        var info = OptimizerRegistry.GetInfo("test-implicit-midpoint-gradient-flow");
        Assert.Equal(2, info.Order);
        Assert.Equal(new[] { 1 }, info.ImplicitGradientStages);
        Assert.Equal(double.PositiveInfinity, info.StabilityBound);

        // Reference: RK4 in double, 4096 steps to t = 1.
        var x0 = Enumerable.Range(0, n).Select(i => 0.5 * Math.Sin(i + 1)).ToArray();
        var r = (double[])x0.Clone();
        const int fine = 4096;
        for (int s = 0; s < fine; s++)
        {
            double dt = 1.0 / fine;
            double[] F(double[] y) => Grad(y).Select(v => -v).ToArray();
            double[] Add(double[] y, double c, double[] k) => y.Select((v, i) => v + c * k[i]).ToArray();
            var k1 = F(r); var k2 = F(Add(r, dt / 2, k1)); var k3 = F(Add(r, dt / 2, k2)); var k4 = F(Add(r, dt, k3));
            r = r.Select((v, i) => v + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
        }
        int[] counts = { 4, 8, 16, 32 };
        var errors = counts.Select(steps =>
        {
            var opt = new ImplicitMidpointGradientFlow(n) { LearningRate = 1f / steps, SolverTolerance = 1e-7f };
            var x = x0.Select(v => (float)v).ToArray();
            for (int s = 0; s < steps; s++) opt.Step(x, FloatGrad);
            Assert.True(opt.Statistics.LastSolverConverged);
            return Enumerable.Range(0, n).Max(i => Math.Abs(x[i] - r[i]));
        }).ToArray();
        var slopes = Enumerable.Range(1, counts.Length - 1).Select(i => Math.Log2(errors[i - 1] / errors[i])).ToArray();
        _out.WriteLine($"implicit midpoint: errors {string.Join(", ", errors.Select(e => e.ToString("E3")))}; observed orders {string.Join(", ", slopes.Select(s => s.ToString("F3")))}");
        foreach (var s in slopes) Assert.InRange(s, 1.8, 2.2);
    }
}
