using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class AdamaxTests
{
    private readonly ITestOutputHelper _out;
    public AdamaxTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.Adamax (float64): m = b1 m + (1 - b1) d; u = max(b2 u, |d| + eps); x -= lr m / ((1 - b1^t) u).</summary>
    internal static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double b1, double b2, double eps, double wd, bool maximize)
    {
        var m = new double[x0.Length];
        var u = new double[x0.Length];
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                double d = (maximize ? -g[i] : g[i]) + wd * x[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                u[i] = Math.Max(b2 * u[i], Math.Abs(d) + eps);
                x[i] -= lr * m[i] / ((1 - Math.Pow(b1, t)) * u[i]);
            }
        });
    }

    [Theory]
    [InlineData(2e-2f, 0.9f, 0.999f, 1e-8f, 0f, false)]
    [InlineData(1e-2f, 0.8f, 0.99f, 1e-3f, 0.1f, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float b1, float b2, float eps, float wd, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new Adamax(TorchHarness.N) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd, Maximize = maximize };
        var reference = Reference(TorchHarness.Start, steps, gradient, lr, b1, b2, eps, wd, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} betas=({b1}, {b2}) eps={eps} weight_decay={wd} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }
}
