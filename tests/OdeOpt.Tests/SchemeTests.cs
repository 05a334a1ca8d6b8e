using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>Schemes declared in the tests, each against a reference written out from its update formula.</summary>
public class SchemeTests
{
    private readonly ITestOutputHelper _out;
    public SchemeTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void Rk4_gradient_flow_takes_four_gradients_and_matches_classical_RK4()
    {
        Assert.Equal(4, Rk4GradientFlow.StaticInfo.GradientEvaluationsPerStep);
        Assert.Equal(new[] { 1, 2, 3, 4 }, Rk4GradientFlow.StaticInfo.GradientStages);
        Assert.False(typeof(ISingleGradientOptimizer).IsAssignableFrom(typeof(Rk4GradientFlow)));

        var golden = Golden.Load();
        int n = golden.X0.Length;
        const float h = 0.1f;
        const int steps = 60;
        var opt = new Rk4GradientFlow(n) { LearningRate = h };
        var p = Problems.ToFloat(golden.X0);
        int calls = 0;
        var grad = Problems.ToFloat(golden.Gradient, n);
        for (int s = 0; s < steps; s++) opt.Step(p, (x, g) => { calls++; grad(x, g); });
        Assert.Equal(4 * steps, calls);

        // theta' = -grad L: k1 = -g(x), k2 = -g(x + h/2 k1), k3 = -g(x + h/2 k2), k4 = -g(x + h k3), x += h/6 (k1 + 2 k2 + 2 k3 + k4).
        var x = (double[])golden.X0.Clone();
        double[] K(double[] at) { var g = new double[n]; golden.Gradient(at, g); return g.Select(v => -v).ToArray(); }
        double[] Plus(double[] a, double c, double[] b) => a.Select((v, i) => v + c * b[i]).ToArray();
        for (int s = 0; s < steps; s++)
        {
            var k1 = K(x); var k2 = K(Plus(x, h / 2.0, k1)); var k3 = K(Plus(x, h / 2.0, k2)); var k4 = K(Plus(x, h, k3));
            for (int i = 0; i < n; i++) x[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        double error = Problems.MaxRelativeError(p, x);
        _out.WriteLine($"RK4 gradient flow: error {error:E3} after {steps} steps; {Rk4GradientFlow.StaticInfo}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(golden.X0), x) > 0.1);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.9f)]
    [InlineData(2f)]
    [InlineData(4f)]
    public void Look_ahead_momentum_matches_the_explicit_look_ahead_reference(float sigma)
    {
        var golden = Golden.Load();
        int n = golden.X0.Length;
        const float eta = 0.05f, mu = 0.9f;
        const int steps = 100;
        var opt = new LookAheadMomentum(n) { Eta = eta, Mu = mu, Sigma = sigma };
        Assert.True(opt is ISingleGradientOptimizer);
        var p = Problems.ToFloat(golden.X0);
        var grad = Problems.ToFloat(golden.Gradient, n);
        var gr = new float[n];
        for (int s = 0; s < steps; s++)
        {
            grad(p, gr);
            ((ISingleGradientOptimizer)opt).Step(p, gr);
        }
        var theta = new float[n];
        opt.GetIterate(p, theta);

        // Nakerst et al.: m_i = mu m_{i-1} - eta grad L(theta_i + sigma m_{i-1}), theta_{i+1} = theta_i + m_i.
        var x = (double[])golden.X0.Clone();
        var m = new double[n];
        var g = new double[n];
        for (int s = 0; s < steps; s++)
        {
            golden.Gradient(x.Select((v, i) => v + sigma * m[i]).ToArray(), g);
            for (int i = 0; i < n; i++) { m[i] = mu * m[i] - eta * g[i]; x[i] += m[i]; }
        }
        double error = Problems.MaxRelativeError(theta, x);
        _out.WriteLine($"sigma={sigma}: GetIterate error {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        // The buffer holds the look-ahead point theta + sigma m.
        double pointError = Problems.MaxRelativeError(p, x.Select((v, i) => v + sigma * m[i]).ToArray());
        Assert.True(pointError <= 1e-5, $"point error {pointError:E3}");
    }

    [Fact]
    public void Implicit_linear_damping_is_solved_in_closed_form()
    {
        var golden = Golden.Load();
        int n = golden.X0.Length;
        const float h = 0.2f, gamma = 3f;
        var opt = new DampedMomentum(n) { H = h, Gamma = gamma };
        var p = Problems.ToFloat(golden.X0);
        var grad = Problems.ToFloat(golden.Gradient, n);
        for (int s = 0; s < 80; s++) opt.Step(p, grad);

        // Backward Euler on -gamma m, forward Euler on g: m_{n+1} = (m_n + h g_n) / (1 + h gamma), theta_{n+1} = theta_n - h m_{n+1}.
        var x = (double[])golden.X0.Clone();
        var m = new double[n];
        var g = new double[n];
        for (int s = 0; s < 80; s++)
        {
            golden.Gradient(x, g);
            for (int i = 0; i < n; i++) { m[i] = (m[i] + h * g[i]) / (1 + h * gamma); x[i] -= h * m[i]; }
        }
        double error = Problems.MaxRelativeError(p, x);
        _out.WriteLine($"damped momentum: error {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
    }
}

public class FirstStepConditionTests
{
    [Fact]
    public void Torch_momentum_with_a_first_step_condition_matches_real_PyTorch()
    {
        var golden = Golden.Load();
        var steps = golden.Steps("SGD", "{\"lr\": 0.05, \"momentum\": 0.9}");
        int n = golden.X0.Length;
        var opt = new TorchMomentum(n) { LearningRate = 0.05f, Momentum = 0.9f };
        var p = Problems.ToFloat(golden.X0);
        var grad = Problems.ToFloat(golden.Gradient, n);
        double worst = 0;
        for (int s = 0; s < steps.Length; s++)
        {
            opt.Step(p, grad);
            worst = Math.Max(worst, Problems.MaxRelativeError(p, steps[s]));
        }
        Assert.True(worst <= 1e-5, $"error {worst:E3}");
    }
}
