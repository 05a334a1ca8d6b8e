using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>The Belotto da Silva–Gazeau discretization of the Adam ODE (their eq. (4)), on their test function.</summary>
public class AdamOdeEulerTests
{
    private readonly ITestOutputHelper _out;
    public AdamOdeEulerTests(ITestOutputHelper output) => _out = output;

    /// <summary>f(x, y) = (x + y)^4 + (x/2 - y/2)^4 (convex, degenerate minimum at 0), started at (0.5, -2.5).</summary>
    internal static void BelottoGazeau(double[] x, double[] g)
    {
        double s = x[0] + x[1], d = (x[0] - x[1]) / 2;
        g[0] = 4 * s * s * s + 2 * d * d * d;
        g[1] = 4 * s * s * s - 2 * d * d * d;
    }

    internal static readonly double[] Start = { 0.5, -2.5 };

    /// <summary>Eq. (4) written out (float64): m_0 = g(theta_0), v_0 = g(theta_0)^2, mu_k = beta1 (1 - beta1^{k-1}) / (1 - beta1^k),
    /// nu_k likewise; m_k = mu_k m_{k-1} + (1 - mu_k) g_k, v_k = nu_k v_{k-1} + (1 - nu_k) g_k^2, theta_k = theta_{k-1} - eta m_k / sqrt(v_k + eps).</summary>
    internal static double[][] Reference(double[] x0, int steps, double eta, double b1, double b2, double eps, Action<double[], double[]> gradient)
    {
        int n = x0.Length;
        var g0 = new double[n];
        gradient(x0, g0);
        var m = (double[])g0.Clone();
        var v = g0.Select(x => x * x).ToArray();
        return TorchHarness.Reference(x0, steps, gradient, (x, g, k) =>
        {
            double mu = b1 * (1 - Math.Pow(b1, k - 1)) / (1 - Math.Pow(b1, k));
            double nu = b2 * (1 - Math.Pow(b2, k - 1)) / (1 - Math.Pow(b2, k));
            for (int i = 0; i < n; i++)
            {
                m[i] = mu * m[i] + (1 - mu) * g[i];
                v[i] = nu * v[i] + (1 - nu) * g[i] * g[i];
                x[i] -= eta * m[i] / Math.Sqrt(v[i] + eps);
            }
        });
    }

    [Theory]
    [InlineData(1e-2f, 0.9f, 0.999f, 1e-8f)]
    [InlineData(2e-2f, 0.5f, 0.9f, 1e-6f)]
    public void Matches_eq_4_on_the_papers_test_function(float eta, float b1, float b2, float eps)
    {
        const int steps = 200;
        var opt = new AdamOdeEuler(2) { LearningRate = eta, Beta1 = b1, Beta2 = b2, Epsilon = eps };
        var reference = Reference(Start, steps, eta, b1, b2, eps, BelottoGazeau);
        double error = TorchHarness.MaxError(TorchHarness.Run(opt, Start, steps, BelottoGazeau), reference);
        _out.WriteLine($"eta={eta} beta1={b1} beta2={b2} eps={eps}: largest error {error:E3}; end point ({reference[^1][0]:F4}, {reference[^1][1]:F4}); 3 + beta2 > 4 beta1: {3 + b2 > 4 * b1}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(TorchHarness.Travel(Start, reference) > 0.1);
    }

    [Fact]
    public void Is_Adam_with_eps_inside_the_square_root()
    {
        // mu_1 = 0 makes m_k exactly Adam's bias-corrected m_hat_k, whatever m_0: the same trajectory as Adam written with
        // sqrt(v_hat + eps).
        const double eta = 1e-2, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var ode = Reference(Start, 100, eta, b1, b2, eps, BelottoGazeau);
        var m = new double[2];
        var v = new double[2];
        var adam = TorchHarness.Reference(Start, 100, BelottoGazeau, (x, g, t) =>
        {
            for (int i = 0; i < 2; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                x[i] -= eta * (m[i] / (1 - Math.Pow(b1, t))) / Math.Sqrt(v[i] / (1 - Math.Pow(b2, t)) + eps);
            }
        });
        for (int s = 0; s < 100; s++)
            for (int i = 0; i < 2; i++) Assert.Equal(adam[s][i], ode[s][i], 10);
    }

    [Fact]
    public void Starts_from_the_first_gradient()
    {
        Assert.Equal(1, AdamOdeEuler.StaticInfo.GradientEvaluationsPerStep);
        Assert.Equal(new[] { "theta", "m", "v" }, AdamOdeEuler.StaticInfo.StateVariables);
    }
}
