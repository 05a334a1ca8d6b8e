using System;
using System.IO;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>NAdam is not in the golden file (torch 1.13 predates the fix to its mu-product schedule): it is tested
/// against the documented algorithm, written out here.</summary>
public class NAdamTests
{
    private readonly ITestOutputHelper _out;
    public NAdamTests(ITestOutputHelper output) => _out = output;

    /// <summary>torch.optim.NAdam's documented algorithm (float64), with its running product of mu_t.</summary>
    internal static double[][] Reference(double[] x0, int steps, Action<double[], double[]> gradient,
        double lr, double b1, double b2, double eps, double wd, double psi, bool decoupled, bool maximize)
    {
        var m = new double[x0.Length];
        var v = new double[x0.Length];
        double product = 1;
        return TorchHarness.Reference(x0, steps, gradient, (x, g, t) =>
        {
            double mu = b1 * (1 - 0.5 * Math.Pow(0.96, t * psi));
            double muNext = b1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * psi));
            product *= mu;
            double productNext = product * muNext;
            double bc2 = 1 - Math.Pow(b2, t);
            for (int i = 0; i < x.Length; i++)
            {
                double d = maximize ? -g[i] : g[i];
                if (decoupled) x[i] -= lr * wd * x[i];
                else d += wd * x[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                double denominator = Math.Sqrt(v[i] / bc2) + eps;
                x[i] -= lr * (1 - mu) / (1 - product) * d / denominator + lr * muNext / (1 - productNext) * m[i] / denominator;
            }
        });
    }

    [Theory]
    [InlineData(2e-2f, 0.9f, 0.999f, 1e-8f, 0f, 4e-3f, false, false)]
    [InlineData(1e-2f, 0.8f, 0.99f, 1e-6f, 0.1f, 4e-2f, false, false)]
    [InlineData(2e-2f, 0.9f, 0.999f, 1e-8f, 0.05f, 4e-3f, true, true)]
    public void Matches_the_documented_algorithm_on_10d_Rosenbrock_for_200_steps(float lr, float b1, float b2, float eps, float wd, float psi, bool decoupled, bool maximize)
    {
        const int steps = 200;
        Action<double[], double[]> gradient = maximize ? TorchHarness.NegatedRosenbrock : TorchHarness.Rosenbrock;
        var opt = new NAdam(TorchHarness.N)
        {
            LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd, MomentumDecay = psi,
            DecoupledWeightDecay = decoupled, Maximize = maximize,
        };
        var reference = Reference(TorchHarness.Start, steps, gradient, lr, b1, b2, eps, wd, psi, decoupled, maximize);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, TorchHarness.Start, steps, gradient), reference);
        _out.WriteLine($"lr={lr} betas=({b1}, {b2}) eps={eps} weight_decay={wd} momentum_decay={psi} decoupled={decoupled} maximize={maximize}: largest error {error:E3} over {steps} steps");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(TorchHarness.Start, reference) > 0.1);
    }

    [Fact]
    public void The_mu_product_survives_save_and_load_and_reset()
    {
        // The running product is state: a run saved at step 40 and continued elsewhere equals an uninterrupted run.
        const int n = TorchHarness.N;
        var grad = Problems.ToFloat(TorchHarness.Rosenbrock, n);
        var a = new NAdam(n) { LearningRate = 0.01f, MomentumDecay = 0.05f };
        var pa = Problems.ToFloat(TorchHarness.Start);
        for (int s = 0; s < 40; s++) a.Step(pa, grad);
        var saved = new MemoryStream();
        a.SaveState(saved);
        var pb = (float[])pa.Clone();
        for (int s = 0; s < 40; s++) a.Step(pa, grad);

        var b = new NAdam(n);
        b.LoadState(new MemoryStream(saved.ToArray()));
        for (int s = 0; s < 40; s++) b.Step(pb, grad);
        Assert.Equal(pa, pb);

        // After Reset the product starts again from 1.
        b.Reset();
        var pc = Problems.ToFloat(TorchHarness.Start);
        var pd = Problems.ToFloat(TorchHarness.Start);
        var fresh = new NAdam(n) { LearningRate = 0.01f, MomentumDecay = 0.05f };
        for (int s = 0; s < 10; s++) { b.Step(pc, grad); fresh.Step(pd, grad); }
        Assert.Equal(pd, pc);
    }

    [Fact]
    public void Each_parameter_group_runs_its_own_mu_product()
    {
        // Two groups with different beta1: each half must equal a separate optimizer run with that beta1.
        const int n = TorchHarness.N;
        var grad = Problems.ToFloat(TorchHarness.Rosenbrock, n);
        var grouped = new NAdam(n) { LearningRate = 0.01f, Beta1 = 0.9f };
        grouped.Groups.Add(5, 5, "tail")["Beta1"] = 0.7f;
        var p = Problems.ToFloat(TorchHarness.Start);
        for (int s = 0; s < 60; s++) grouped.Step(p, grad);

        var reference = Reference(TorchHarness.Start, 60, TorchHarness.Rosenbrock, 0.01f, 0.9f, 0.999f, 1e-8f, 0, 4e-3f, false, false);
        var referenceTail = Reference(TorchHarness.Start, 60, TorchHarness.Rosenbrock, 0.01f, 0.7f, 0.999f, 1e-8f, 0, 4e-3f, false, false);
        // The problem couples neighbours, so compare against a mixed reference run with per-element beta1 instead.
        var mixed = MixedReference(TorchHarness.Start, 60, 0.01f, 0.9f, 0.7f);
        Assert.True(Problems.MaxRelativeError(p, mixed) <= 1e-5, $"error {Problems.MaxRelativeError(p, mixed):E3}");
        Assert.True(Problems.MaxRelativeError(p, reference[^1]) > 1e-3 && Problems.MaxRelativeError(p, referenceTail[^1]) > 1e-3);
    }

    private static double[] MixedReference(double[] x0, int steps, double lr, double b1Head, double b1Tail)
    {
        int n = x0.Length;
        var m = new double[n];
        var v = new double[n];
        double productHead = 1, productTail = 1;
        var x = (double[])x0.Clone();
        var g = new double[n];
        const double b2 = 0.999f, eps = 1e-8f, psi = 4e-3f;
        for (int t = 1; t <= steps; t++)
        {
            Problems.RosenbrockGradient(x, g);
            double muH = b1Head * (1 - 0.5 * Math.Pow(0.96, t * psi)), muHn = b1Head * (1 - 0.5 * Math.Pow(0.96, (t + 1) * psi));
            double muT = b1Tail * (1 - 0.5 * Math.Pow(0.96, t * psi)), muTn = b1Tail * (1 - 0.5 * Math.Pow(0.96, (t + 1) * psi));
            productHead *= muH;
            productTail *= muT;
            for (int i = 0; i < n; i++)
            {
                bool tail = i >= 5;
                double b1 = tail ? b1Tail : b1Head, mu = tail ? muT : muH, muNext = tail ? muTn : muHn, product = tail ? productTail : productHead;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double denominator = Math.Sqrt(v[i] / (1 - Math.Pow(b2, t))) + eps;
                x[i] -= lr * (1 - mu) / (1 - product) * g[i] / denominator + lr * muNext / (1 - product * muNext) * m[i] / denominator;
            }
        }
        return x;
    }
}
