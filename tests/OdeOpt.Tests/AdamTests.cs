using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class AdamTests
{
    private readonly ITestOutputHelper _out;
    public AdamTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.Adam's documented algorithm, in float64:
    /// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; theta -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).</summary>
    internal static double[] Reference(double[] x0, int steps, double lr, double b1, double b2, double eps, Action<double[], double[]> gradient)
    {
        int n = x0.Length;
        var x = (double[])x0.Clone();
        var m = new double[n];
        var v = new double[n];
        var g = new double[n];
        for (int t = 1; t <= steps; t++)
        {
            // The float32 optimizer sees the gradient of its float32 iterate; the reference sees exact arithmetic.
            gradient(x, g);
            for (int i = 0; i < n; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double vHat = v[i] / (1 - Math.Pow(b2, t));
                x[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
        return x;
    }

    [Theory]
    [InlineData(0.01f, 0.9f, 0.999f, 1e-8f)]
    [InlineData(0.02f, 0.8f, 0.99f, 1e-6f)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float b1, float b2, float eps)
    {
        const int n = 10, steps = 200;
        var x0 = Problems.RosenbrockStart(n);
        var opt = new Adam(n) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps };
        var p = Problems.ToFloat(x0);
        var grad = Problems.ToFloat((x, g) => Problems.RosenbrockGradient(x, g), n);
        var g = new float[n];
        for (int s = 0; s < steps; s++)
        {
            grad(p, g);
            opt.Step(p, g);
        }
        // The reference uses the hyperparameters exactly as the optimizer holds them (float32 values).
        var reference = Reference(x0, steps, lr, b1, b2, eps, (x, gr) => Problems.RosenbrockGradient(x, gr));
        double error = Problems.MaxRelativeError(p, reference);
        _out.WriteLine($"lr={lr} b1={b1} b2={b2} eps={eps}: max |ours - ref| / max(1, |ref|) = {error:E3}; f = {Problems.Rosenbrock(reference):F6}");
        Assert.Equal(steps, opt.StepCount);
        Assert.True(error <= 1e-5, $"error {error:E3} > 1e-5");
        // The run moved far from the start: the comparison is not trivially satisfied.
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(x0), reference) > 0.1);
    }

    /// <summary>torch.optim.Adam's documented algorithm with weight decay, AMSGrad and maximize (float64).</summary>
    internal static double[][] FullReference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double b1, double b2, double eps, double wd, bool amsgrad, bool maximize, bool decoupled = false)
    {
        int n = x0.Length;
        var m = new double[n];
        var v = new double[n];
        var vmax = new double[n];
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            for (int i = 0; i < n; i++)
            {
                double d = maximize ? -g[i] : g[i];
                if (decoupled) x[i] -= lr * wd * x[i];
                else d += wd * x[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                vmax[i] = Math.Max(vmax[i], v[i]);
                double vhat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.Pow(b2, t));
                x[i] -= lr * (m[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(vhat) + eps);
            }
        });
    }

    [Theory]
    [InlineData(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, false, false)]
    [InlineData(0.01f, 0.9f, 0.999f, 1e-8f, 0f, true, false)]
    [InlineData(0.02f, 0.8f, 0.99f, 1e-6f, 0.05f, true, true)]
    public void Weight_decay_amsgrad_and_maximize_match_the_documented_algorithm_for_200_steps(float lr, float b1, float b2, float eps, float wd, bool amsgrad, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new Adam(TorchHarness.N) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd, Amsgrad = amsgrad, Maximize = maximize };
        var reference = FullReference(TorchHarness.Start, steps, gradient, lr, b1, b2, eps, wd, amsgrad, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} betas=({b1}, {b2}) eps={eps} weight_decay={wd} amsgrad={amsgrad} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }

    [Fact]
    public void Matches_real_PyTorch_trajectories()
    {
        var golden = Golden.Load();
        var steps = golden.Steps("Adam", "{\"lr\": 0.05}");
        int n = golden.X0.Length;
        var opt = new Adam(n) { LearningRate = 0.05f };
        var p = Problems.ToFloat(golden.X0);
        var grad = Problems.ToFloat(golden.Gradient, n);
        var g = new float[n];
        double worst = 0;
        for (int s = 0; s < steps.Length; s++)
        {
            grad(p, g);
            opt.Step(p, g);
            worst = Math.Max(worst, Problems.MaxRelativeError(p, steps[s]));
        }
        _out.WriteLine($"largest relative error against torch.optim.Adam over {steps.Length} steps: {worst:E3}");
        Assert.True(worst <= 1e-5, $"error {worst:E3}");
    }

    [Fact]
    public void Info_describes_the_IMEX_Euler_plan()
    {
        var info = Adam.StaticInfo;
        Assert.Equal("adam", info.Name);
        Assert.Equal(2, info.Stages);
        Assert.Equal(1, info.GradientEvaluationsPerStep);
        Assert.Equal(new[] { 1 }, info.GradientStages);
        Assert.False(info.FirstSameAsLast);
        Assert.Equal(new[] { "theta", "m", "v", "vmax" }, info.StateVariables);
        Assert.Equal(3, info.PersistentArrays); // vmax is allocated; with AMSGrad off the step neither reads nor writes it
        Assert.Equal(28, info.BytesPerParameterPerStep); // default flags: reads p, g, m, v; writes p, m, v
        Assert.Equal(7, info.Hyperparameters.Count);
        Assert.True(info.Hyperparameters[5].IsFlag);
        Assert.Equal(1e-3, info.Hyperparameters[0].DefaultValue, 6);
        Assert.True(info.Hyperparameters[0].IsStepSize);
        Assert.True(new Adam(3) is ISingleGradientOptimizer);
    }

    [Fact]
    public void A_zero_learning_rate_keeps_theta_and_still_updates_the_moments()
    {
        // The moment equations are written m' = (1 - beta1)/h (g - m); h cancels, so h = 0 (a warm-up from 0) is no NaN.
        var opt = new Adam(3) { LearningRate = 0 };
        var p = new float[] { 1, -2, 3 };
        for (int s = 0; s < 3; s++) opt.Step(p, (x, g) => { for (int i = 0; i < 3; i++) g[i] = x[i]; });
        Assert.Equal(new float[] { 1, -2, 3 }, p);
        opt.LearningRate = 0.1f;
        opt.Step(p, (x, g) => { for (int i = 0; i < 3; i++) g[i] = x[i]; });
        Assert.All(p, v => Assert.True(float.IsFinite(v)));
        // Step 4 with m_4 = (1 - 0.9^4) theta, v_4 = (1 - 0.999^4) theta^2: the bias-corrected step is lr sign(theta).
        Assert.Equal(1 - 0.1, p[0], 4);
        Assert.Equal(-2 + 0.1, p[1], 4);
    }

    [Fact]
    public void Closure_step_equals_single_gradient_step()
    {
        const int n = 10;
        var x0 = Problems.ToFloat(Problems.RosenbrockStart(n));
        var grad = Problems.ToFloat((x, g) => Problems.RosenbrockGradient(x, g), n);
        var a = new Adam(n) { LearningRate = 0.01f };
        var b = new Adam(n) { LearningRate = 0.01f };
        var pa = (float[])x0.Clone();
        var pb = (float[])x0.Clone();
        var g = new float[n];
        for (int s = 0; s < 50; s++)
        {
            grad(pa, g);
            a.Step(pa, g);
            b.Step(pb, grad);
        }
        Assert.Equal(pa, pb);
    }
}
