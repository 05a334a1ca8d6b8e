using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class AdagradTests
{
    private readonly ITestOutputHelper _out;
    public AdagradTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.Adagrad's documented algorithm (float64).</summary>
    internal static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double lrDecay, double wd, double tau, double eps, bool maximize)
    {
        var sum = new double[x0.Length];
        Array.Fill(sum, tau);
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < x.Length; i++)
            {
                double d = (maximize ? -g[i] : g[i]) + wd * x[i];
                sum[i] += d * d;
                x[i] -= clr * d / (Math.Sqrt(sum[i]) + eps);
            }
        });
    }

    [Theory]
    [InlineData(0.1f, 0f, 0f, 0f, 1e-10f, false)]
    [InlineData(0.2f, 0.01f, 0.1f, 0.1f, 1e-10f, false)]
    [InlineData(0.1f, 0.05f, 0f, 2f, 1e-6f, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float lrDecay, float wd, float tau, float eps, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new Adagrad(TorchHarness.N) { LearningRate = lr, LearningRateDecay = lrDecay, WeightDecay = wd, InitialAccumulatorValue = tau, Epsilon = eps, Maximize = maximize };
        var reference = Reference(TorchHarness.Start, steps, gradient, lr, lrDecay, wd, tau, eps, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} lr_decay={lrDecay} weight_decay={wd} initial_accumulator_value={tau} eps={eps} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }
}
