using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>Heavy ball, Nesterov and super-accelerated momentum (Nakerst, Brennan, Haque) against a reference that
/// evaluates the look-ahead gradient explicitly, on the paper's test function.</summary>
public class LookAheadMomentumTests
{
    private readonly ITestOutputHelper _out;
    public LookAheadMomentumTests(ITestOutputHelper output) => _out = output;

    /// <summary>L = (t1^2 + 2 t2 - 7)^2 + (2 t1 + t2 - 5)^2 + 1e-3 (t1^6 + t2^6), minimum near (1.690, 1.963).</summary>
    internal static void Nakerst(double[] x, double[] g)
    {
        double a = x[0] * x[0] + 2 * x[1] - 7, b = 2 * x[0] + x[1] - 5;
        g[0] = 4 * x[0] * a + 4 * b + 6e-3 * Math.Pow(x[0], 5);
        g[1] = 4 * a + 2 * b + 6e-3 * Math.Pow(x[1], 5);
    }

    internal static double NakerstLoss(double[] x)
    {
        double a = x[0] * x[0] + 2 * x[1] - 7, b = 2 * x[0] + x[1] - 5;
        return a * a + b * b + 1e-3 * (Math.Pow(x[0], 6) + Math.Pow(x[1], 6));
    }

    internal static readonly double[] NakerstStart = { -1, -3.8 };

    /// <summary>m_i = g m_{i-1} - eta grad L(theta_i + sigma m_{i-1}), theta_{i+1} = theta_i + m_i, with the look-ahead
    /// gradient evaluated explicitly (float64). Returns theta after each step.</summary>
    internal static double[][] Reference(double[] x0, int steps, double eta, double g, double sigma, Action<double[], double[]> gradient)
    {
        int n = x0.Length;
        var theta = (double[])x0.Clone();
        var m = new double[n];
        var q = new double[n];
        var trajectory = new double[steps][];
        for (int s = 0; s < steps; s++)
        {
            gradient(theta.Select((v, i) => v + sigma * m[i]).ToArray(), q);
            for (int i = 0; i < n; i++) { m[i] = g * m[i] - eta * q[i]; theta[i] += m[i]; }
            trajectory[s] = (double[])theta.Clone();
        }
        return trajectory;
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.9f)]
    [InlineData(1f)]
    [InlineData(2f)]
    [InlineData(3f)]
    public void Super_acceleration_matches_the_explicit_look_ahead_reference(float sigma)
    {
        const float eta = 0.01f, g = 0.9f;
        const int steps = 180;
        var opt = new SuperAcceleratedMomentum(2) { LearningRate = eta, Momentum = g, Sigma = sigma };
        Assert.True(opt is ISingleGradientOptimizer);
        var reference = Reference(NakerstStart, steps, eta, g, sigma, Nakerst);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, NakerstStart, steps, Nakerst), reference);
        _out.WriteLine($"sigma={sigma}: largest error of theta over {steps} steps {error:E3}; L - L* at the end {NakerstLoss(reference[^1]) - 0.2456385071:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
    }

    [Fact]
    public void The_buffer_holds_the_look_ahead_point()
    {
        const float eta = 0.01f, g = 0.9f, sigma = 3f;
        var opt = new SuperAcceleratedMomentum(2) { LearningRate = eta, Momentum = g, Sigma = sigma };
        var p = Problems.ToFloat(NakerstStart);
        var grad = Problems.ToFloat(Nakerst, 2);
        for (int s = 0; s < 50; s++) opt.Step(p, grad);
        // theta_50 and m_49 from the reference: the point is theta_50 + sigma m_49 (m_49 = theta_50 - theta_49).
        var reference = Reference(NakerstStart, 50, eta, g, sigma, Nakerst);
        var point = reference[49].Select((v, i) => v + sigma * (v - reference[48][i])).ToArray();
        Assert.True(Problems.MaxRelativeError(p, point) <= 1e-5);
    }

    [Fact]
    public void Sigma_zero_is_heavy_ball_and_sigma_g_is_Nesterov()
    {
        const float eta = 0.01f, g = 0.9f;
        const int steps = 180;
        var heavy = TorchHarness.Run(new HeavyBall(2) { LearningRate = eta, Momentum = g }, NakerstStart, steps, Nakerst);
        var super0 = TorchHarness.Run(new SuperAcceleratedMomentum(2) { LearningRate = eta, Momentum = g, Sigma = 0 }, NakerstStart, steps, Nakerst);
        var nesterov = TorchHarness.Run(new NesterovMomentum(2) { LearningRate = eta, Momentum = g }, NakerstStart, steps, Nakerst);
        var superG = TorchHarness.Run(new SuperAcceleratedMomentum(2) { LearningRate = eta, Momentum = g, Sigma = g }, NakerstStart, steps, Nakerst);
        for (int s = 0; s < steps; s++)
        {
            Assert.Equal(heavy[s], super0[s]);
            Assert.Equal(nesterov[s], superG[s]);
        }
        // And both against the reference.
        Assert.True(TorchHarness.MaxError(heavy, Reference(NakerstStart, steps, eta, g, 0, Nakerst)) <= 1e-5);
        Assert.True(TorchHarness.MaxError(nesterov, Reference(NakerstStart, steps, eta, g, g, Nakerst)) <= 1e-5);
        Assert.False(Enumerable.Range(0, steps).All(s => heavy[s].SequenceEqual(nesterov[s])));
    }

    [Fact]
    public void Super_acceleration_converges_faster_on_the_papers_function()
    {
        // The paper's claim in miniature (eta = 0.01, g = 0.9, 180 steps from (-1, -3.8)): sigma = 2..3 ends orders of
        // magnitude closer to the minimum than heavy ball or Nesterov.
        double Gap(double sigma) => NakerstLoss(Reference(NakerstStart, 180, 0.01f, 0.9f, sigma, Nakerst)[^1]) - 0.2456385071;
        double heavy = Gap(0), nesterov = Gap(0.9f), super = Gap(3);
        _out.WriteLine($"L - L* after 180 steps: sigma=0 {heavy:E3}, sigma=0.9 {nesterov:E3}, sigma=3 {super:E3}");
        Assert.True(super < 1e-2 * Math.Min(heavy, nesterov));
    }

    [Fact]
    public void Infos()
    {
        foreach (var info in new[] { HeavyBall.StaticInfo, NesterovMomentum.StaticInfo, SuperAcceleratedMomentum.StaticInfo, SuperAcceleratedRmsProp.StaticInfo })
        {
            Assert.Equal(2, info.Stages);
            Assert.Equal(1, info.GradientEvaluationsPerStep);
            Assert.Equal(1, info.Order);
        }
        Assert.Equal(new[] { "theta", "m" }, SuperAcceleratedMomentum.StaticInfo.StateVariables);
    }
}
