using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>Integrators of Newton's second law with damping, theta'' = -grad L(theta) - gamma theta' (unit mass): each
/// against its update written out in float64, with gradients per step and measured orders.</summary>
public class NewtonSchemeTests
{
    private readonly ITestOutputHelper _out;
    public NewtonSchemeTests(ITestOutputHelper output) => _out = output;

    private static double[] G(Action<double[], double[]> gradient, double[] x)
    {
        var g = new double[x.Length];
        gradient(x, g);
        return g;
    }

    /// <summary>One step of each scheme as its documentation writes it; (theta, u) updated in place.</summary>
    internal static void StepOf(string scheme, double[] theta, double[] u, double h, double gamma, Action<double[], double[]> gradient)
    {
        int n = theta.Length;
        var g = G(gradient, theta);
        switch (scheme)
        {
            case "newton-euler":
                for (int i = 0; i < n; i++) { double t = theta[i]; theta[i] = t + h * u[i]; u[i] -= h * (g[i] + gamma * u[i]); }
                return;
            case "symplectic-euler-momentum":
                for (int i = 0; i < n; i++) { u[i] -= h * (g[i] + gamma * u[i]); theta[i] += h * u[i]; }
                return;
            case "backward-euler-damped-momentum":
                for (int i = 0; i < n; i++) { u[i] = (u[i] - h * g[i]) / (1 + h * gamma); theta[i] += h * u[i]; }
                return;
            case "velocity-verlet":
            {
                var a = Enumerable.Range(0, n).Select(i => -g[i] - gamma * u[i]).ToArray();
                var next = Enumerable.Range(0, n).Select(i => theta[i] + h * (u[i] + h / 2 * a[i])).ToArray();
                var gNext = G(gradient, next);
                for (int i = 0; i < n; i++)
                {
                    double aNext = -gNext[i] - gamma * (u[i] + h * a[i]);
                    u[i] += h / 2 * (a[i] + aNext);
                    theta[i] = next[i];
                }
                return;
            }
            case "newmark-average-acceleration":
            {
                var a = Enumerable.Range(0, n).Select(i => -g[i] - gamma * u[i]).ToArray();
                var predicted = Enumerable.Range(0, n).Select(i => theta[i] + h * u[i] + h * h / 2 * a[i]).ToArray();
                var gp = G(gradient, predicted);
                for (int i = 0; i < n; i++)
                {
                    double ap = -gp[i] - gamma * (u[i] + h * a[i]);
                    theta[i] += h * u[i] + h * h / 4 * (a[i] + ap);
                    u[i] += h / 2 * (a[i] + ap);
                }
                return;
            }
        }
        throw new ArgumentException(scheme);
    }

    private static IOptimizer Create(string scheme, int n, float h, float gamma) => scheme switch
    {
        "newton-euler" => new NewtonEuler(n) { TimeStep = h, Damping = gamma },
        "symplectic-euler-momentum" => new SymplecticEulerMomentum(n) { TimeStep = h, Damping = gamma },
        "backward-euler-damped-momentum" => new BackwardEulerDampedMomentum(n) { TimeStep = h, Damping = gamma },
        "velocity-verlet" => new VelocityVerlet(n) { TimeStep = h, Damping = gamma },
        _ => new NewmarkAverageAcceleration(n) { TimeStep = h, Damping = gamma },
    };

    [Theory]
    [InlineData("newton-euler", 1, 1)]
    [InlineData("symplectic-euler-momentum", 1, 1)]
    [InlineData("backward-euler-damped-momentum", 1, 1)]
    [InlineData("velocity-verlet", 1, 2)]
    [InlineData("newmark-average-acceleration", 2, 2)]
    public void Matches_its_update_on_the_Nakerst_function_for_300_steps(string scheme, int gradients, int order)
    {
        const float h = 0.02f, gamma = 2f;
        const int steps = 300;
        var opt = Create(scheme, 2, h, gamma);
        Assert.Equal(scheme, opt.Info.Name);
        Assert.Equal(gradients, opt.Info.GradientEvaluationsPerStep);
        Assert.Equal(order, opt.Info.Order);
        var x0 = LookAheadMomentumTests.NakerstStart;
        var grad = Problems.ToFloat(LookAheadMomentumTests.Nakerst, 2);
        int calls = 0;
        var p = Problems.ToFloat(x0);
        var theta = (double[])x0.Clone();
        var u = new double[2];
        double worst = 0;
        var iterate = new float[2];
        for (int s = 0; s < steps; s++)
        {
            opt.Step(p, (a, b) => { calls++; grad(a, b); });
            StepOf(scheme, theta, u, h, gamma, LookAheadMomentumTests.Nakerst);
            opt.GetIterate(p, iterate);
            worst = Math.Max(worst, Problems.MaxRelativeError(iterate, theta));
        }
        _out.WriteLine($"{scheme}: largest error {worst:E3} over {steps} steps; {calls} gradient calls; L - L* {LookAheadMomentumTests.NakerstLoss(theta) - 0.2456385071:E3}; {opt.Info}");
        Assert.Equal(gradients * steps, calls);
        Assert.True(worst <= 1e-5, $"error {worst:E3}");
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(x0), theta) > 0.1);
    }

    [Theory]
    [InlineData("newton-euler", 1)]
    [InlineData("symplectic-euler-momentum", 1)]
    [InlineData("backward-euler-damped-momentum", 1)]
    [InlineData("velocity-verlet", 2)]
    [InlineData("newmark-average-acceleration", 2)]
    public void Converges_with_its_order(string scheme, int order)
    {
        // theta(2) of theta'' = -(c theta + sin theta) - gamma theta', theta(0) = x0, theta'(0) = 0; reference: the
        // scheme-independent RK4 on (theta, u) with h = 1e-4 in float64.
        double[] x0 = { 1.5, -2.0, 0.7 };
        double[] c = { 1.0, 2.0, 0.5 };
        const double gamma = 0.8, T = 2;
        void Gradient(double[] x, double[] g) { for (int i = 0; i < x.Length; i++) g[i] = c[i] * x[i] + Math.Sin(x[i]); }
        double[] Exact()
        {
            int n = x0.Length;
            var y = x0.Concat(new double[n]).ToArray();
            double[] F(double[] s)
            {
                var g = G(Gradient, s.Take(n).ToArray());
                return s.Skip(n).Concat(Enumerable.Range(0, n).Select(i => -g[i] - gamma * s[n + i])).ToArray();
            }
            double dt = 1e-4;
            for (int k = 0; k < (int)(T / dt); k++)
            {
                var k1 = F(y);
                var k2 = F(y.Select((v, i) => v + dt / 2 * k1[i]).ToArray());
                var k3 = F(y.Select((v, i) => v + dt / 2 * k2[i]).ToArray());
                var k4 = F(y.Select((v, i) => v + dt * k3[i]).ToArray());
                y = y.Select((v, i) => v + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
            }
            return y.Take(n).ToArray();
        }
        var exact = Exact();
        double ErrorAt(float h)
        {
            var opt = Create(scheme, 3, h, (float)gamma);
            var p = Problems.ToFloat(x0);
            var grad = Problems.ToFloat(Gradient, 3);
            for (int s = 0; s < (int)Math.Round(T / h); s++) opt.Step(p, grad);
            var theta = new float[3];
            opt.GetIterate(p, theta);
            return theta.Select((v, i) => Math.Abs(v - exact[i])).Max();
        }
        double e1 = ErrorAt(0.1f), e2 = ErrorAt(0.05f), e3 = ErrorAt(0.025f);
        double o1 = Math.Log(e1 / e2, 2), o2 = Math.Log(e2 / e3, 2);
        _out.WriteLine($"{scheme}: errors {e1:E3}, {e2:E3}, {e3:E3}; observed orders {o1:F2}, {o2:F2}");
        Assert.InRange(o2, order - 0.3, order + 0.5);
    }

    [Fact]
    public void Symplectic_Euler_and_backward_Euler_damping_are_heavy_ball()
    {
        // m = h u: symplectic Euler is heavy ball with beta = 1 - h gamma, eta = h^2; backward-Euler damping with
        // beta = 1 / (1 + h gamma), eta = h^2 / (1 + h gamma).
        const float h = 0.05f, gamma = 2f;
        const int steps = 200;
        var x0 = LookAheadMomentumTests.NakerstStart;
        var symplectic = TorchHarness.Run(new SymplecticEulerMomentum(2) { TimeStep = h, Damping = gamma }, x0, steps, LookAheadMomentumTests.Nakerst);
        var heavy1 = LookAheadMomentumTests.Reference(x0, steps, (double)h * h, 1 - (double)h * gamma, 0, LookAheadMomentumTests.Nakerst);
        var backward = TorchHarness.Run(new BackwardEulerDampedMomentum(2) { TimeStep = h, Damping = gamma }, x0, steps, LookAheadMomentumTests.Nakerst);
        var heavy2 = LookAheadMomentumTests.Reference(x0, steps, (double)h * h / (1 + (double)h * gamma), 1 / (1 + (double)h * gamma), 0, LookAheadMomentumTests.Nakerst);
        double e1 = TorchHarness.MaxError(symplectic, heavy1), e2 = TorchHarness.MaxError(backward, heavy2);
        _out.WriteLine($"symplectic Euler vs heavy ball {e1:E3}; backward-Euler damping vs heavy ball {e2:E3}");
        Assert.True(e1 <= 1e-5 && e2 <= 1e-5);
    }

    [Fact]
    public void Velocity_Verlet_without_damping_stays_bounded_on_a_quadratic()
    {
        // Symplectic: on L = theta^2 / 2 a modified energy is conserved, so |theta| stays bounded; forward Euler's amplitude grows
        // like (1 + h^2)^(n/2).
        const float h = 0.1f;
        const int steps = 2000;
        double Energy(IOptimizer opt)
        {
            var p = new float[] { 1f };
            for (int s = 0; s < steps; s++) opt.Step(p, (x, g) => g[0] = x[0]);
            return Math.Abs(p[0]);
        }
        double verlet = Energy(new VelocityVerlet(1) { TimeStep = h, Damping = 0 });
        double euler = Energy(new NewtonEuler(1) { TimeStep = h, Damping = 0 });
        _out.WriteLine($"|theta| after {steps} undamped steps: velocity Verlet {verlet:E3}, forward Euler {euler:E3}");
        Assert.True(verlet <= 1.01);
        Assert.True(euler > 1e3);
    }
}
