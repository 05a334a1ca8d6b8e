using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class AdamWTests
{
    private readonly ITestOutputHelper _out;
    public AdamWTests(ITestOutputHelper output) => _out = output;

    [Theory]
    [InlineData(0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, false, false)]
    [InlineData(0.02f, 0.8f, 0.99f, 1e-6f, 0.2f, true, false)]
    [InlineData(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, false, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float b1, float b2, float eps, float wd, bool amsgrad, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new AdamW(TorchHarness.N) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd, Amsgrad = amsgrad, Maximize = maximize };
        // torch.optim.AdamW: theta <- theta - lr wd theta first, then Adam without L2 term.
        var reference = AdamTests.FullReference(TorchHarness.Start, steps, gradient, lr, b1, b2, eps, wd, amsgrad, maximize, decoupled: true);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} betas=({b1}, {b2}) eps={eps} weight_decay={wd} amsgrad={amsgrad} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }

    [Fact]
    public void Decay_never_enters_the_moments()
    {
        // With a zero gradient the moments stay zero and theta only shrinks: theta_t = (1 - lr wd)^t theta_0.
        var opt = new AdamW(3) { LearningRate = 0.1f, WeightDecay = 0.5f };
        var p = new float[] { 1, -2, 4 };
        for (int s = 0; s < 5; s++) opt.Step(p, new float[3]);
        double factor = Math.Pow(1 - 0.1f * 0.5f, 5);
        Assert.Equal(1 * factor, p[0], 5);
        Assert.Equal(-2 * factor, p[1], 5);
        Assert.Equal(4 * factor, p[2], 5);
    }
}
