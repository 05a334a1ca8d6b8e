// Issue 17's numerical building blocks, against independent references: the Anderson-accelerated solve of a backward
// Euler step (closed forms and a double-precision Newton solve) and the step-size control arithmetic (Hairer, Norsett &
// Wanner I, Sec. II.4, numbers worked out by hand; an embedded Heun-Euler integration whose global error must track the
// tolerance).
using System;
using System.Linq;
using OdeOpt.Runtime;
using Xunit;

namespace OdeOpt.Tests;

public sealed class ImplicitAndAdaptiveBuildingBlockTests
{
    private const int N = 60;

    /// <summary>A diagonal quadratic f = 1/2 x^T A x - b^T x with eigenvalues log-spaced in [1, 1e4]: L = 1e4, condition 1e4.</summary>
    private static (double[] A, double[] B) IllConditioned()
    {
        var a = Enumerable.Range(0, N).Select(i => Math.Pow(10, 4.0 * i / (N - 1))).ToArray();
        var rng = new Random(17);
        var b = Enumerable.Range(0, N).Select(_ => a[0] * (rng.NextDouble() * 2 - 1) * 10).ToArray();
        return (a, b);
    }

    /// <summary>Solves the backward Euler step x = x0 - h (A x - b) with Anderson acceleration in float; returns the
    /// iterations (gradient evaluations) used, or -1 when <paramref name="cap"/> was reached.</summary>
    private static int SolveBackwardEulerStep(double[] a, double[] b, float[] x0, float[] x, double h, int memory, int cap, double tolerance, out double residual)
    {
        var anderson = new AndersonAccelerator(N, memory);
        var gx = new float[N];
        x0.CopyTo(x, 0);
        double scale = Math.Sqrt(x0.Sum(v => (double)v * v)) + 1;
        residual = double.NaN;
        for (int k = 1; k <= cap; k++)
        {
            for (int i = 0; i < N; i++) gx[i] = (float)(x0[i] - h * (a[i] * x[i] - b[i])); // G(x) = x0 - h grad f(x)
            residual = anderson.Advance(x, gx);
            if (residual <= tolerance * scale) return k;
            if (!double.IsFinite(residual)) return -1;
        }
        return -1;
    }

    [Fact]
    public void Anderson_solves_a_backward_Euler_step_at_50_over_L_where_the_fixed_point_iteration_diverges()
    {
        var (a, b) = IllConditioned();
        double h = 50 / a[^1];
        var x0 = Enumerable.Range(0, N).Select(i => (float)Math.Cos(i)).ToArray();
        var x = new float[N];

        int iterations = SolveBackwardEulerStep(a, b, x0, x, h, memory: N, cap: 200, tolerance: 1e-6, out _);
        Assert.InRange(iterations, 1, 100);
        // The closed form of the step: (1 + h a_i) x_i = x0_i + h b_i.
        double worst = Enumerable.Range(0, N).Max(i => Math.Abs(x[i] - (x0[i] + h * b[i]) / (1 + h * a[i])));
        double size = Enumerable.Range(0, N).Max(i => Math.Abs((x0[i] + h * b[i]) / (1 + h * a[i])));
        Assert.True(worst <= 1e-5 * size, $"max error {worst:E2} against {size:E2}");

        // The plain iteration (memory 0) contracts only while h a_i < 1: here h L = 50, so it blows up.
        int plain = SolveBackwardEulerStep(a, b, x0, x, h, memory: 0, cap: 200, tolerance: 1e-6, out double plainResidual);
        Assert.Equal(-1, plain);
        Assert.True(!double.IsFinite(plainResidual) || plainResidual > 1e6, $"plain iteration residual {plainResidual:E2}");
    }

    [Fact]
    public void Backward_Euler_with_Anderson_converges_at_50_over_L_and_forward_Euler_diverges_beyond_2_over_L()
    {
        var (a, b) = IllConditioned();
        double L = a[^1];
        var minimizer = Enumerable.Range(0, N).Select(i => b[i] / a[i]).ToArray();

        double ForwardEuler(double h, int steps)
        {
            var x = new double[N];
            for (int s = 0; s < steps; s++)
                for (int i = 0; i < N; i++) x[i] -= h * (a[i] * x[i] - b[i]);
            return Enumerable.Range(0, N).Max(i => Math.Abs(x[i] - minimizer[i]));
        }
        // At 1.9/L every component contracts by |1 - h lambda| <= 1 - 1.9e-4 per step: (1 - 1.9e-4)^3000 = 0.565.
        Assert.True(ForwardEuler(1.9 / L, 3000) < 0.57 * ForwardEuler(1.9 / L, 0), "forward Euler at 1.9/L must converge");
        Assert.True(ForwardEuler(2.1 / L, 400) > 1e6, "forward Euler at 2.1/L must diverge");
        double at50 = ForwardEuler(50 / L, 400);
        Assert.False(at50 < 1e30, $"forward Euler at 50/L must diverge (error {at50:E2})"); // infinity and NaN included

        // Backward Euler: each step solved by Anderson; 40 steps at h = 50/L reach the minimizer's slow components as
        // (1 + h lambda)^-40 predicts (the slowest, lambda = 1: (1.005)^-40 = 0.82 of the start's distance), and no
        // component grows.
        double h = 50 / L;
        var state = new float[N];
        var next = new float[N];
        int evaluations = 0;
        for (int s = 0; s < 40; s++)
        {
            int k = SolveBackwardEulerStep(a, b, state, next, h, memory: N, cap: 200, tolerance: 1e-7, out _);
            Assert.True(k > 0, $"step {s} did not converge");
            evaluations += k;
            next.CopyTo(state, 0);
        }
        for (int i = 0; i < N; i++)
        {
            double expected = minimizer[i] * (1 - Math.Pow(1 + h * a[i], -40)); // from x = 0
            Assert.True(Math.Abs(state[i] - expected) <= 1e-4 * minimizer.Max(Math.Abs), $"component {i}: {state[i]} vs {expected}");
        }
        Assert.InRange(evaluations, 40, 40 * 100);
    }

    [Fact]
    public void Anderson_fixed_point_of_a_nonlinear_backward_Euler_step_equals_a_Newton_reference_in_double()
    {
        // f(x) = sum_i log cosh(x_i - t_i) + 1/2 sum_i c_i x_i^2 + 1/2 sum_i k (x_{i+1} - x_i)^2, so the Hessian
        // sech^2 + diag(c) + k * (graph Laplacian) has L around 41, and h = 2 makes h L about 80.
        const int n = 20;
        var t = Enumerable.Range(0, n).Select(i => 2 * Math.Sin(0.7 * i)).ToArray();
        var c = Enumerable.Range(0, n).Select(i => 0.1 + i).ToArray();
        const double k = 5, h = 2;
        void Gradient(ReadOnlySpan<double> x, Span<double> g)
        {
            for (int i = 0; i < n; i++) g[i] = Math.Tanh(x[i] - t[i]) + c[i] * x[i];
            for (int i = 0; i < n - 1; i++)
            {
                double d = k * (x[i + 1] - x[i]);
                g[i] -= d;
                g[i + 1] += d;
            }
        }
        var x0 = Enumerable.Range(0, n).Select(i => 0.5 * Math.Cos(i)).ToArray();

        // Reference: Newton on F(x) = x - x0 + h grad f(x) = 0 in double, Jacobian I + h Hessian (dense elimination).
        var xr = (double[])x0.Clone();
        var gr = new double[n];
        for (int it = 0; it < 50; it++)
        {
            Gradient(xr, gr);
            var F = Enumerable.Range(0, n).Select(i => xr[i] - x0[i] + h * gr[i]).ToArray();
            if (Math.Sqrt(F.Sum(v => v * v)) < 1e-13) break;
            var J = new double[n, n];
            for (int i = 0; i < n; i++)
            {
                double sech = 1 / Math.Cosh(xr[i] - t[i]);
                J[i, i] = 1 + h * (sech * sech + c[i] + k * ((i > 0 ? 1 : 0) + (i < n - 1 ? 1 : 0)));
                if (i > 0) J[i, i - 1] = -h * k;
                if (i < n - 1) J[i, i + 1] = -h * k;
            }
            var delta = Problems.SolveDense(J, F);
            for (int i = 0; i < n; i++) xr[i] -= delta[i];
        }
        Gradient(xr, gr);
        Assert.True(Enumerable.Range(0, n).Max(i => Math.Abs(xr[i] - x0[i] + h * gr[i])) < 1e-12, "the Newton reference is solved to 1e-12");

        var anderson = new AndersonAccelerator(n, memory: n);
        var x = x0.Select(v => (float)v).ToArray();
        var gx = new float[n];
        var xd = new double[n];
        var gd = new double[n];
        int used = -1;
        var history = new System.Collections.Generic.List<double>();
        for (int it = 1; it <= 200; it++)
        {
            for (int i = 0; i < n; i++) xd[i] = x[i];
            Gradient(xd, gd);
            for (int i = 0; i < n; i++) gx[i] = (float)(x0[i] - h * gd[i]);
            // Converged at a residual of 1e-6 relative to the iterate's size (float's rounding of G is about 1e-7 relative).
            double r = anderson.Advance(x, gx);
            history.Add(r);
            if (r <= 1e-6 * Math.Sqrt(gx.Sum(v => (double)v * v))) { used = it; break; }
        }
        Assert.True(used is >= 1 and <= 60, "residuals: " + string.Join(", ", history.Select(v => v.ToString("E1"))));
        double worst = Enumerable.Range(0, n).Max(i => Math.Abs(x[i] - xr[i]));
        Assert.True(worst <= 2e-5 * xr.Max(Math.Abs), $"max |x - x_ref| = {worst:E2}");
    }

    [Fact]
    public void Anderson_rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AndersonAccelerator(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AndersonAccelerator(4, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AndersonAccelerator(4, 3, damping: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AndersonAccelerator(4, 3, damping: 1.5));
        var anderson = new AndersonAccelerator(4, 3);
        Assert.Throws<ArgumentException>(() => anderson.Advance(new float[3], new float[4]));
    }

    [Fact]
    public void Controllers_give_the_values_of_Hairer_Norsett_Wanner_II_4()
    {
        // Elementary, q = 1: h * 0.9 * (1/4)^(1/2) = 0.1 * 0.45 = 0.045.
        Assert.Equal(0.045, StepSizeControl.Elementary(0.1, 4, 1, 0.9, 0.2, 5), 12);
        // err = 1e-6, q = 2: 0.9 * (1e6)^(1/3) = 90, capped at facmax = 5.
        Assert.Equal(0.5, StepSizeControl.Elementary(0.1, 1e-6, 2, 0.9, 0.2, 5), 12);
        // err = 1e6, q = 4: 0.9 * (1e-6)^(1/5) = 0.9 * 0.0630957 = 0.0568, floored at facmin = 0.2.
        Assert.Equal(0.02, StepSizeControl.Elementary(0.1, 1e6, 4, 0.9, 0.2, 5), 12);
        // PI with beta = 0 is the elementary controller.
        Assert.Equal(StepSizeControl.Elementary(0.3, 0.7, 3, 0.9, 0.2, 10), StepSizeControl.ProportionalIntegral(0.3, 0.7, 0.2, 3, 0, 0.9, 0.2, 10), 14);
        // PI, q = 4 (DOPRI5's beta = 0.04, alpha = 0.2 - 0.03 = 0.17): 0.9 * 0.5^-0.17 * 0.25^0.04 = 0.9 * 1.125058 * 0.946058.
        Assert.Equal(0.1 * 0.9 * 1.1250584846888094 * 0.9460576467255959, StepSizeControl.ProportionalIntegral(0.1, 0.5, 0.25, 4, 0.04, 0.9, 0.2, 10), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSizeControl.ProportionalIntegral(0.1, 0.5, 0.25, 1, 0.7, 0.9, 0.2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSizeControl.Elementary(0.1, 0.5, 1, 1.2, 0.2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSizeControl.Elementary(0.1, 0.5, 0, 0.9, 0.2, 10));
    }

    [Fact]
    public void Error_norm_is_the_mixed_tolerance_rms_and_independent_of_blocking()
    {
        int n = 3 * StepSizeControl.BlockSize + 5;
        var rng = new Random(3);
        var y0 = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var y1 = y0.Select(v => v + (float)(rng.NextDouble() * 1e-3)).ToArray();
        var e = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 1e-5 - 5e-6)).ToArray();
        double naive = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = 1e-6 + 1e-3 * Math.Max(Math.Abs((double)y0[i]), Math.Abs((double)y1[i]));
            naive += (e[i] / sc) * (e[i] / sc);
        }
        double sum = StepSizeControl.ScaledSumOfSquares(y0, y1, e, 1e-6, 1e-3);
        Assert.Equal(naive, sum, naive * 1e-12);
        Assert.Equal(Math.Sqrt(naive / n), StepSizeControl.ErrorNorm(sum, n), 1e-12);
        Assert.Equal(sum, StepSizeControl.ScaledSumOfSquares(y0, y1, e, 1e-6, 1e-3)); // bit-identical on a rerun
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSizeControl.ScaledSumOfSquares(y0, y1, e, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepSizeControl.ScaledSumOfSquares(y0, y1, e, -1, 1));
    }

    [Fact]
    public void Heun_Euler_with_the_elementary_controller_tracks_the_tolerance_on_a_linear_ODE()
    {
        // y' = -y on [0, 2], y(0) = 1, Heun (order 2) propagated, Euler (order 1) embedded: q = 1. The global error at
        // t = 2 must fall with the tolerance (without local extrapolation, about as tol^(p/(q+1)) = tol^1 here).
        double GlobalError(double tol, out int accepted, out int rejected)
        {
            double t = 0, y = 1, h = 0.1, T = 2;
            accepted = rejected = 0;
            while (t < T - 1e-14)
            {
                h = Math.Min(h, T - t);
                double k1 = -y, k2 = -(y + h * k1);
                double heun = y + h * (k1 + k2) / 2, euler = y + h * k1;
                double sc = tol + tol * Math.Max(Math.Abs(y), Math.Abs(heun));
                double err = Math.Abs(heun - euler) / sc;
                double hNew = StepSizeControl.Elementary(h, err, 1, 0.9, 0.2, 5);
                if (err <= 1) { t += h; y = heun; accepted++; }
                else rejected++;
                h = hNew;
            }
            return Math.Abs(y - Math.Exp(-T));
        }
        double e3 = GlobalError(1e-3, out int a3, out _);
        double e5 = GlobalError(1e-5, out int a5, out _);
        double slope = Math.Log10(e3 / e5) / 2;
        Assert.InRange(slope, 0.7, 1.3);
        Assert.True(a5 > a3, "a tighter tolerance takes more steps");
        Assert.True(e5 < 1e-4, $"global error {e5:E2} at tol 1e-5");
    }
}
