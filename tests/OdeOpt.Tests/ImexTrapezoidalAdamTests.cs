using System;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public class ImexTrapezoidalAdamTests
{
    private readonly ITestOutputHelper _out;
    public ImexTrapezoidalAdamTests(ITestOutputHelper output) => _out = output;

    /// <summary>
    /// A stage-by-stage IMEX Runge–Kutta step written from the tableau formulas (float64), with a gradient
    /// evaluated at every stage point and no reuse:
    /// Y_i = y_n + h sum_{j&lt;i} A_ij E(Y_j) + h sum_{j&lt;=i} Ah_ij I(Y_j),  y_{n+1} = y_n + h sum b_j E(Y_j) + h sum bh_j I(Y_j)
    /// for the bias-corrected Adam right-hand side E_m = (1-b1)/h (g - m), E_v = (1-b2)/h (g^2 - v),
    /// I_theta = -(m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    /// </summary>
    internal static double[] Reference(double[,] A, double[] b, double[,] Ah, double[] bh, double[] x0, int steps,
        double h, double b1, double b2, double eps, Action<double[], double[]> gradient)
    {
        int n = x0.Length, s = b.Length;
        var theta = (double[])x0.Clone();
        var m = new double[n];
        var v = new double[n];
        var g = new double[n];
        for (int t = 1; t <= steps; t++)
        {
            double bc1 = 1 - Math.Pow(b1, t), bc2 = 1 - Math.Pow(b2, t);
            var Km = new double[s][]; var Kv = new double[s][]; var Lt = new double[s][];
            for (int i = 0; i < s; i++)
            {
                var Ym = new double[n]; var Yv = new double[n]; var Yt = new double[n];
                Lt[i] = new double[n];
                for (int e = 0; e < n; e++)
                {
                    Ym[e] = m[e]; Yv[e] = v[e]; Yt[e] = theta[e];
                    for (int j = 0; j < i; j++)
                    {
                        Ym[e] += h * A[i, j] * Km[j][e];
                        Yv[e] += h * A[i, j] * Kv[j][e];
                        Yt[e] += h * Ah[i, j] * Lt[j][e];
                    }
                    // theta's implicit part reads only m and v, so the diagonal term is explicit here.
                    Lt[i][e] = -(Ym[e] / bc1) / (Math.Sqrt(Yv[e] / bc2) + eps);
                    Yt[e] += h * Ah[i, i] * Lt[i][e];
                }
                gradient(Yt, g);
                Km[i] = new double[n]; Kv[i] = new double[n];
                for (int e = 0; e < n; e++)
                {
                    Km[i][e] = (1 - b1) / h * (g[e] - Ym[e]);
                    Kv[i][e] = (1 - b2) / h * (g[e] * g[e] - Yv[e]);
                }
            }
            for (int e = 0; e < n; e++)
                for (int j = 0; j < s; j++)
                {
                    m[e] += h * b[j] * Km[j][e];
                    v[e] += h * b[j] * Kv[j][e];
                    theta[e] += h * bh[j] * Lt[j][e];
                }
        }
        return theta;
    }

    private static readonly double[,] HeunA = { { 0, 0 }, { 1, 0 } };
    private static readonly double[] HeunB = { 0.5, 0.5 };
    private static readonly double[,] TrapA = { { 0, 0 }, { 0.5, 0.5 } };
    private static readonly double[] TrapB = { 0.5, 0.5 };

    [Theory]
    [InlineData(0.01f, 0.9f, 0.999f, 1e-8f)]
    [InlineData(0.02f, 0.8f, 0.99f, 1e-6f)]
    public void Matches_the_stage_by_stage_tableau_reference_for_100_steps(float lr, float b1, float b2, float eps)
    {
        const int n = 10, steps = 100;
        var x0 = Problems.RosenbrockStart(n);
        var opt = new ImexTrapezoidalAdam(n) { LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps };
        var p = Problems.ToFloat(x0);
        var grad = Problems.ToFloat((x, g) => Problems.RosenbrockGradient(x, g), n);
        var g = new float[n];
        for (int s = 0; s < steps; s++)
        {
            grad(p, g);
            opt.Step(p, g);
        }
        var reference = Reference(HeunA, HeunB, TrapA, TrapB, x0, steps, lr, b1, b2, eps, (x, gr) => Problems.RosenbrockGradient(x, gr));
        double error = Problems.MaxRelativeError(p, reference);
        _out.WriteLine($"lr={lr}: max relative error after {steps} steps = {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(Problems.MaxRelativeError(Problems.ToFloat(x0), reference) > 0.1);
    }

    [Fact]
    public void Needs_one_gradient_per_step_through_first_same_as_last()
    {
        var info = ImexTrapezoidalAdam.StaticInfo;
        Assert.Equal(1, info.GradientEvaluationsPerStep);
        Assert.True(info.FirstSameAsLast);
        Assert.Equal(new[] { 1, 2 }, info.GradientStages);
        Assert.Equal(4, info.PersistentArrays);
        Assert.Equal(44, info.BytesPerParameterPerStep); // reads p, g, 4 arrays; writes p, 4 arrays

        int calls = 0;
        var opt = new ImexTrapezoidalAdam(4);
        var p = new float[] { 1, 2, 3, 4 };
        for (int s = 0; s < 10; s++) opt.Step(p, (x, g) => { calls++; for (int i = 0; i < 4; i++) g[i] = 2 * x[i]; });
        Assert.Equal(10, calls);
        Assert.Equal(10, opt.StepCount);
    }
}
