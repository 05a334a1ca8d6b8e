using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class SuperAcceleratedRmsPropTests
{
    private readonly ITestOutputHelper _out;
    public SuperAcceleratedRmsPropTests(ITestOutputHelper output) => _out = output;

    /// <summary>Nakerst et al. eq. (16) as implemented (float64): q = grad L(theta + sigma m); v = b2 v + (1 - b2) q^2;
    /// m = g m - eta q / sqrt(v + eps); theta += m.</summary>
    internal static double[][] Reference(double[] x0, int steps, double eta, double g, double sigma, double b2, double eps, Action<double[], double[]> gradient)
    {
        int n = x0.Length;
        var theta = (double[])x0.Clone();
        var m = new double[n];
        var v = new double[n];
        var q = new double[n];
        var trajectory = new double[steps][];
        for (int s = 0; s < steps; s++)
        {
            gradient(theta.Select((t, i) => t + sigma * m[i]).ToArray(), q);
            for (int i = 0; i < n; i++)
            {
                v[i] = b2 * v[i] + (1 - b2) * q[i] * q[i];
                m[i] = g * m[i] - eta * q[i] / Math.Sqrt(v[i] + eps);
                theta[i] += m[i];
            }
            trajectory[s] = (double[])theta.Clone();
        }
        return trajectory;
    }

    [Theory]
    [InlineData(1e-3f, 0.9f, 0f, 0.999f, 1e-7f)]
    [InlineData(1e-3f, 0.9f, 2f, 0.999f, 1e-7f)]
    [InlineData(2e-3f, 0.8f, 3f, 0.99f, 1e-6f)]
    public void Matches_eq_16_on_the_papers_function(float eta, float g, float sigma, float b2, float eps)
    {
        const int steps = 200;
        var opt = new SuperAcceleratedRmsProp(2) { LearningRate = eta, Momentum = g, Sigma = sigma, Beta2 = b2, Epsilon = eps };
        var reference = Reference(LookAheadMomentumTests.NakerstStart, steps, eta, g, sigma, b2, eps, LookAheadMomentumTests.Nakerst);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, LookAheadMomentumTests.NakerstStart, steps, LookAheadMomentumTests.Nakerst), reference);
        _out.WriteLine($"eta={eta} g={g} sigma={sigma} beta2={b2} eps={eps}: largest error {error:E3}; L - L* {LookAheadMomentumTests.NakerstLoss(reference[^1]) - 0.2456385071:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(LookAheadMomentumTests.NakerstStart, reference) > 0.1);
    }

    [Fact]
    public void Defaults_are_the_papers()
    {
        var opt = new SuperAcceleratedRmsProp(1);
        Assert.Equal(0.999f, opt.Beta2);
        Assert.Equal(1e-7f, opt.Epsilon);
    }
}
