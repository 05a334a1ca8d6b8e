using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class RAdamTests
{
    private readonly ITestOutputHelper _out;
    public RAdamTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.RAdam's documented algorithm (float64), both branches of the rectification.</summary>
    internal static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double b1, double b2, double eps, double wd, bool decoupled, bool maximize)
    {
        var m = new double[x0.Length];
        var v = new double[x0.Length];
        double rhoInf = 2 / (1 - b2) - 1;
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            double rho = rhoInf - 2 * t * Math.Pow(b2, t) / (1 - Math.Pow(b2, t));
            for (int i = 0; i < x.Length; i++)
            {
                double d = maximize ? -g[i] : g[i];
                if (decoupled) x[i] -= lr * wd * x[i];
                else d += wd * x[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                double mhat = m[i] / (1 - Math.Pow(b1, t));
                if (rho > 5)
                {
                    double l = Math.Sqrt(1 - Math.Pow(b2, t)) / (Math.Sqrt(v[i]) + eps);
                    double r = Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                    x[i] -= lr * mhat * r * l;
                }
                else x[i] -= lr * mhat;
            }
        });
    }

    [Theory]
    [InlineData(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, false)]
    [InlineData(2e-3f, 0.8f, 0.99f, 1e-6f, 0.1f, false, false)]
    [InlineData(1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, true, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float b1, float b2, float eps, float wd, bool decoupled, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new RAdam(TorchHarness.N) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd, DecoupledWeightDecay = decoupled, Maximize = maximize };
        var reference = Reference(TorchHarness.Start, steps, gradient, lr, b1, b2, eps, wd, decoupled, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} betas=({b1}, {b2}) eps={eps} weight_decay={wd} decoupled={decoupled} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }

    [Fact]
    public void Both_branches_occur_in_the_test_runs()
    {
        // rho_t <= 5 for the first steps (momentum SGD), > 5 afterwards (rectified).
        double b2 = 0.999f, rhoInf = 2 / (1 - b2) - 1;
        double Rho(int t) => rhoInf - 2 * t * Math.Pow(b2, t) / (1 - Math.Pow(b2, t));
        Assert.True(Rho(1) <= 5 && Rho(5) <= 5);
        Assert.True(Rho(7) > 5 && Rho(200) > 5);
    }
}
