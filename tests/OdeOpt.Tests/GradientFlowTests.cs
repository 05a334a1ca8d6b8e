using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>Forward Euler, Heun, classical RK4 and Shu–Osher TVD-RK3 on the gradient flow theta' = -grad L, each against
/// its update written out in float64, with the gradient count and the stability interval of each.</summary>
public class GradientFlowTests
{
    private readonly ITestOutputHelper _out;
    public GradientFlowTests(ITestOutputHelper output) => _out = output;

    private static double[] F(Action<double[], double[]> gradient, double[] x)
    {
        var g = new double[x.Length];
        gradient(x, g);
        return g.Select(v => -v).ToArray();
    }

    private static double[] Add(double[] x, double c, double[] k) => x.Select((v, i) => v + c * k[i]).ToArray();

    /// <summary>One step of each scheme in its textbook form.</summary>
    internal static double[] StepOf(string scheme, double[] x, double h, Action<double[], double[]> gradient)
    {
        switch (scheme)
        {
            case "euler":
                return Add(x, h, F(gradient, x));
            case "heun":
            {
                var k1 = F(gradient, x);
                var k2 = F(gradient, Add(x, h, k1));
                return x.Select((v, i) => v + h / 2 * (k1[i] + k2[i])).ToArray();
            }
            case "rk4":
            {
                var k1 = F(gradient, x);
                var k2 = F(gradient, Add(x, h / 2, k1));
                var k3 = F(gradient, Add(x, h / 2, k2));
                var k4 = F(gradient, Add(x, h, k3));
                return x.Select((v, i) => v + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
            }
            case "tvd-rk3":
            {
                // Shu–Osher: y1 = x + h F(x); y2 = 3/4 x + 1/4 (y1 + h F(y1)); x+ = 1/3 x + 2/3 (y2 + h F(y2)).
                var y1 = Add(x, h, F(gradient, x));
                var z1 = Add(y1, h, F(gradient, y1));
                var y2 = x.Select((v, i) => 0.75 * v + 0.25 * z1[i]).ToArray();
                var z2 = Add(y2, h, F(gradient, y2));
                return x.Select((v, i) => v / 3 + 2.0 / 3 * z2[i]).ToArray();
            }
        }
        throw new ArgumentException(scheme);
    }

    private static IOptimizer Create(string scheme, float h) => scheme switch
    {
        "euler" => new GradientFlowEuler(TorchHarness.N) { LearningRate = h },
        "heun" => new GradientFlowHeun(TorchHarness.N) { LearningRate = h },
        "rk4" => new GradientFlowRk4(TorchHarness.N) { LearningRate = h },
        _ => new GradientFlowTvdRk3(TorchHarness.N) { LearningRate = h },
    };

    [Theory]
    [InlineData("euler", 1, 2.0)]
    [InlineData("heun", 2, 2.0)]
    [InlineData("rk4", 4, 2.785293563)]
    [InlineData("tvd-rk3", 3, 2.512745327)]
    public void Matches_the_textbook_scheme_on_10d_Rosenbrock_for_200_steps(string scheme, int gradients, double bound)
    {
        const float h = 5e-4f;
        const int steps = 200;
        var opt = Create(scheme, h);
        Assert.Equal(gradients, opt.Info.GradientEvaluationsPerStep);
        Assert.Equal(bound, opt.Info.StabilityBound, 6);
        int calls = 0;
        var grad = Problems.ToFloat(TorchHarness.Rosenbrock, TorchHarness.N);
        var p = Problems.ToFloat(TorchHarness.Start);
        var x = TorchHarness.Start;
        double worst = 0;
        for (int s = 0; s < steps; s++)
        {
            opt.Step(p, (a, b) => { calls++; grad(a, b); });
            x = StepOf(scheme, x, h, TorchHarness.Rosenbrock);
            worst = Math.Max(worst, Problems.MaxRelativeError(p, x));
        }
        _out.WriteLine($"{scheme}: largest error {worst:E3} over {steps} steps; {calls} gradients; {opt.Info}");
        Assert.Equal(gradients * steps, calls);
        Assert.True(worst <= 1e-5, $"error {worst:E3}");
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(TorchHarness.Start), x) > 0.1);
    }

    [Theory]
    [InlineData("euler", 1)]
    [InlineData("heun", 2)]
    [InlineData("tvd-rk3", 3)]
    [InlineData("rk4", 4)]
    public void Converges_with_its_order_on_a_smooth_flow(string scheme, int order)
    {
        // theta(1) for theta' = -grad L on L = sum c_i theta_i^2 / 2 + sin(theta_i); reference by RK4 with h = 1e-4 (float64).
        double[] x0 = { 2.0, -1.5, 3.0 };
        double[] c = { 0.5, 1.0, 0.25 };
        void Gradient(double[] x, double[] g) { for (int i = 0; i < x.Length; i++) g[i] = c[i] * x[i] + Math.Cos(x[i]); }
        var exact = x0;
        for (int s = 0; s < 10000; s++) exact = StepOf("rk4", exact, 1e-4, Gradient);
        double ErrorAt(float h)
        {
            var opt = scheme switch
            {
                "euler" => (IOptimizer)new GradientFlowEuler(3) { LearningRate = h },
                "heun" => new GradientFlowHeun(3) { LearningRate = h },
                "rk4" => new GradientFlowRk4(3) { LearningRate = h },
                _ => new GradientFlowTvdRk3(3) { LearningRate = h },
            };
            var p = Problems.ToFloat(x0);
            var grad = Problems.ToFloat(Gradient, 3);
            for (int s = 0; s < (int)Math.Round(1 / h); s++) opt.Step(p, grad);
            return p.Select((v, i) => Math.Abs(v - exact[i])).Max();
        }
        double e1 = ErrorAt(0.2f), e2 = ErrorAt(0.1f);
        double observed = Math.Log(e1 / e2, 2);
        _out.WriteLine($"{scheme}: errors {e1:E3}, {e2:E3}; observed order {observed:F2}");
        Assert.InRange(observed, order - 0.3, order + 0.5);
    }
}
