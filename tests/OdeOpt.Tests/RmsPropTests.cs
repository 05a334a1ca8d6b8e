using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class RmsPropTests
{
    private readonly ITestOutputHelper _out;
    public RmsPropTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.RMSprop's documented algorithm (float64).</summary>
    internal static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double alpha, double eps, double wd, double mu, bool centered, bool maximize)
    {
        var v = new double[x0.Length];
        var a = new double[x0.Length];
        var b = new double[x0.Length];
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                double d = (maximize ? -g[i] : g[i]) + wd * x[i];
                v[i] = alpha * v[i] + (1 - alpha) * d * d;
                double w = v[i];
                if (centered)
                {
                    a[i] = alpha * a[i] + (1 - alpha) * d;
                    w -= a[i] * a[i];
                }
                if (mu > 0)
                {
                    b[i] = mu * b[i] + d / (Math.Sqrt(w) + eps);
                    x[i] -= lr * b[i];
                }
                else x[i] -= lr * d / (Math.Sqrt(w) + eps);
            }
        });
    }

    [Theory]
    [InlineData(1e-3f, 0.99f, 1e-8f, 0f, 0f, false, false)]
    [InlineData(1e-3f, 0.9f, 1e-6f, 0.1f, 0.9f, false, false)]
    [InlineData(5e-4f, 0.95f, 1e-8f, 0f, 0.5f, true, false)]
    [InlineData(1e-3f, 0.99f, 1e-8f, 0.05f, 0f, true, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float alpha, float eps, float wd, float mu, bool centered, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new RmsProp(TorchHarness.N) { LearningRate = lr, Alpha = alpha, Epsilon = eps, WeightDecay = wd, Momentum = mu, Centered = centered, Maximize = maximize };
        var reference = Reference(TorchHarness.Start, steps, gradient, lr, alpha, eps, wd, mu, centered, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} alpha={alpha} eps={eps} weight_decay={wd} momentum={mu} centered={centered} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }
}
