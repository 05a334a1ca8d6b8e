using System;
using System.Collections.Generic;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>
/// The science check of Nakerst, Brennan, Haque (arXiv 2001.06472): on L = k theta^2 / 2, scanning sigma and fitting
/// |theta_i| ~ exp(-i / T), the fastest sigma lies within 15% of the critical-damping estimate (their eq. (14))
/// sigma* = -1 + sqrt(1 + 4 / (k eta)) - (1 - g) / (k eta).
/// </summary>
public class SuperAccelerationScienceTests
{
    private readonly ITestOutputHelper _out;
    public SuperAccelerationScienceTests(ITestOutputHelper output) => _out = output;

    private const double K = 1, G = 0.9;

    internal static double SigmaStar(double keta, double g) => -1 + Math.Sqrt(1 + 4 / keta) - (1 - g) / keta;

    /// <summary>The exact discrete optimum: the sigma that makes the iteration's characteristic polynomial a double root.</summary>
    internal static double SigmaDoubleRoot(double keta, double g) => -1 + 2 / Math.Sqrt(keta) - (1 - g) / keta;

    /// <summary>T of the least-squares fit ln|theta_i| = a - i / T over steps [from, to) of the OdeOpt optimizer (float32).</summary>
    internal static double FittedT(double keta, double sigma, int from, int to)
    {
        var opt = new SuperAcceleratedMomentum(1) { LearningRate = (float)(keta / K), Momentum = (float)G, Sigma = (float)sigma };
        var p = new float[] { 1f };
        var theta = new float[1];
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 1; i < to; i++)
        {
            opt.Step(p, (x, g) => g[0] = (float)(K * x[0]));
            opt.GetIterate(p, theta);
            if (i >= from && theta[0] != 0)
            {
                xs.Add(i);
                ys.Add(Math.Log(Math.Abs(theta[0])));
            }
        }
        double mx = xs.Average(), my = ys.Average();
        double slope = xs.Zip(ys).Sum(q => (q.First - mx) * (q.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
        return -1 / slope;
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.05)]
    [InlineData(0.1)]
    public void The_fastest_sigma_is_the_critical_damping_estimate(double keta)
    {
        double star = SigmaStar(keta, G);
        // Window: until the best rate 1 - sqrt(k eta) has shrunk theta by 1e-25 (float32 still resolves that); the first third
        // is the transient and is left out of the fit.
        int to = (int)Math.Ceiling(25 * Math.Log(10) / -Math.Log(1 - Math.Sqrt(keta)));
        int from = to / 3;
        var scan = Enumerable.Range(0, 201).Select(j => star * (0.5 + j * 0.005)).Select(sigma => (Sigma: sigma, T: FittedT(keta, sigma, from, to))).ToList();
        var best = scan.OrderBy(s => s.T).First();
        double heavy = FittedT(keta, 0, from, to), nesterov = FittedT(keta, G, from, to);
        double relative = Math.Abs(best.Sigma - star) / star;
        _out.WriteLine($"k eta = {keta}, g = {G}: fastest sigma {best.Sigma:F3} (T = {best.T:F2} steps); sigma* (eq. 14) {star:F3}, " +
                       $"off by {100 * relative:F1}%; double-root optimum {SigmaDoubleRoot(keta, G):F3}; heavy ball T = {heavy:F2}, Nesterov T = {nesterov:F2}; fit over steps {from}..{to}");
        Assert.True(relative <= 0.15, $"fastest sigma {best.Sigma:F3} vs sigma* {star:F3}");
        Assert.True(best.T < heavy && best.T < nesterov);
    }
}
