using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class SgdTests
{
    private readonly ITestOutputHelper _out;
    public SgdTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.SGD as implemented (float64): d = (maximize ? -g : g) + wd x; b_1 = d,
    /// b_t = mu b + (1 - tau) d; u = mu = 0 ? d : nesterov ? d + mu b : b; x -= lr u.</summary>
    internal static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double mu, double tau, double wd, bool nesterov, bool maximize)
    {
        var b = new double[x0.Length];
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            for (int i = 0; i < x.Length; i++)
            {
                double d = (maximize ? -g[i] : g[i]) + wd * x[i];
                double u = d;
                if (mu != 0)
                {
                    b[i] = t == 1 ? d : mu * b[i] + (1 - tau) * d;
                    u = nesterov ? d + mu * b[i] : b[i];
                }
                x[i] -= lr * u;
            }
        });
    }

    [Theory]
    [InlineData(1e-3f, 0f, 0f, 0f, false, false)]
    [InlineData(2e-4f, 0.9f, 0f, 0f, false, false)]
    [InlineData(2e-4f, 0.9f, 0.1f, 0.01f, false, false)]
    [InlineData(2e-4f, 0.9f, 0f, 0.05f, true, false)]
    [InlineData(2e-4f, 0.8f, 0.2f, 0.01f, false, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float mu, float tau, float wd, bool nesterov, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new Sgd(TorchHarness.N) { LearningRate = lr, Momentum = mu, Dampening = tau, WeightDecay = wd, Nesterov = nesterov, Maximize = maximize };
        var reference = Reference(TorchHarness.Start, steps, gradient, lr, mu, tau, wd, nesterov, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} momentum={mu} dampening={tau} weight_decay={wd} nesterov={nesterov} maximize={maximize}: largest error {error:E3} over {steps} steps; travel {TorchHarness.Travel(TorchHarness.Start, reference):F3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }

    [Fact]
    public void Info_describes_one_forward_Euler_pass()
    {
        var info = Sgd.StaticInfo;
        Assert.Equal("sgd", info.Name);
        Assert.Equal(1, info.Stages);
        Assert.Equal(1, info.Order);
        Assert.Equal(1, info.GradientEvaluationsPerStep);
        Assert.Equal(new[] { "theta", "b" }, info.StateVariables);
        Assert.Equal(12, info.BytesPerParameterPerStep); // without momentum the buffer is neither read nor written
        Assert.Equal(1e-3, info.Hyperparameters[0].DefaultValue, 6);
        Assert.True(new Sgd(2) is ISingleGradientOptimizer);
    }
}
