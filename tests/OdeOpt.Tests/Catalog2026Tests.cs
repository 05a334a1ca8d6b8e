using System;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>
/// A rotated ill-conditioned quadratic plus a nonlinear term, in float64:
/// f(x) = 1/2 (x - c)^T Q^T D Q (x - c) - sum_i b_i cos(x_i), so grad f(x) = Q^T D Q (x - c) + b sin(x), with Q a product of
/// six Householder reflections (orthogonal, mixing every coordinate) and D log-spaced in [0.5, 5] (condition number 10)
/// or [0.1, 10].
/// </summary>
internal sealed class RotatedProblem
{
    public readonly int N;
    private readonly double[] _d, _c, _b;
    private readonly double[][] _u;
    private readonly double[] _r, _s;

    public RotatedProblem(int n, double lowest = 0.1, double highest = 10)
    {
        N = n;
        _d = Enumerable.Range(0, n).Select(i => lowest * Math.Pow(highest / lowest, n == 1 ? 0 : i / (double)(n - 1))).ToArray();
        _c = Enumerable.Range(0, n).Select(i => Math.Sin(0.7 * i) + 0.5).ToArray();
        _b = Enumerable.Range(0, n).Select(i => 0.5 * Math.Cos(1.3 * i)).ToArray();
        _u = Enumerable.Range(0, 6).Select(k =>
        {
            var u = Enumerable.Range(0, n).Select(i => Math.Sin(1.7 * (i + 1) * (k + 1) + 0.3 * k) + 0.2 * Math.Cos(0.11 * i * (k + 2))).ToArray();
            double norm = Math.Sqrt(u.Sum(v => v * v));
            return u.Select(v => v / norm).ToArray();
        }).ToArray();
        _r = new double[n];
        _s = new double[n];
    }

    /// <summary>The 1-based step whose gradient is being taken (set by the harness before both evaluations of a step).</summary>
    public int Time;

    /// <summary>Optional jumps: coordinate i gets + Jump[i] before step JumpTime[i] and - Jump[i] from then on, a gradient
    /// that changes sign abruptly (for Lion, where the momentum then decides the sign for a few steps).</summary>
    public double[]? Jump;
    public int[]? JumpTime;

    /// <summary>y = Q x (transpose = false) or Q^T x, in place.</summary>
    private void Rotate(double[] y, bool transpose)
    {
        for (int k = 0; k < _u.Length; k++)
        {
            var u = _u[transpose ? _u.Length - 1 - k : k];
            double dot = 0;
            for (int i = 0; i < N; i++) dot += u[i] * y[i];
            for (int i = 0; i < N; i++) y[i] -= 2 * dot * u[i];
        }
    }

    public void Gradient(double[] x, double[] g)
    {
        for (int i = 0; i < N; i++) _r[i] = x[i] - _c[i];
        Rotate(_r, transpose: false);
        for (int i = 0; i < N; i++) _r[i] *= _d[i];
        Rotate(_r, transpose: true);
        for (int i = 0; i < N; i++) g[i] = _r[i] + _b[i] * Math.Sin(x[i]);
        if (Jump is not null)
            for (int i = 0; i < N; i++) g[i] += Time < JumpTime![i] ? Jump[i] : -Jump[i];
    }

    /// <summary>c + A^{-1} w: a point where the quadratic part of the gradient is exactly w.</summary>
    public double[] PointWithQuadraticGradient(double[] w)
    {
        var s = (double[])w.Clone();
        Rotate(s, transpose: false);
        for (int i = 0; i < N; i++) s[i] /= _d[i];
        Rotate(s, transpose: true);
        return s.Select((v, i) => v + _c[i]).ToArray();
    }

    /// <summary>A start at distance O(1) from the minimum in every coordinate.</summary>
    public double[] Start() => Enumerable.Range(0, N).Select(i => _c[i] + 1.5 * Math.Cos(0.37 * i) + 0.5).ToArray();
}

/// <summary>A float64 reference of an optimizer's algorithm: the point where it wants the gradient, the iterate, and one
/// step from the gradient at that point with the 1-based step index.</summary>
internal abstract class ReferenceOptimizer
{
    public double[] X = [];
    public virtual double[] Point => X;
    public abstract void Step(double[] g, int t);
}

public class Catalog2026Tests
{
    private readonly ITestOutputHelper _out;
    public Catalog2026Tests(ITestOutputHelper output) => _out = output;

    private const int Steps = 200;

    /// <summary>Runs the optimizer (float32, gradient of its float32 point computed in float64 and rounded) and the
    /// reference side by side. Returns the largest normwise relative error over all steps, max_i |x_i - ref_i| / max_i
    /// |ref_i| for the iterate (GetIterate) and, when asked, for the gradient point (the parameter buffer).</summary>
    internal static (double Iterate, double Point, double Travel, double SmallestGradient) Compare(IOptimizer optimizer, ReferenceOptimizer reference, RotatedProblem problem,
        double[] x0, int steps = Steps, Action<int, ReferenceOptimizer>? observe = null)
    {
        int n = x0.Length;
        reference.X = (double[])x0.Clone();
        var p = x0.Select(v => (float)v).ToArray();
        var pd = new double[n];
        var gd = new double[n];
        GradientFunction gradient = (point, g) =>
        {
            for (int i = 0; i < n; i++) pd[i] = point[i];
            problem.Gradient(pd, gd);
            for (int i = 0; i < n; i++) g[i] = (float)gd[i];
        };
        var iterate = new float[n];
        var g = new double[n];
        double worstIterate = 0, worstPoint = 0, smallestGradient = double.PositiveInfinity;
        for (int t = 1; t <= steps; t++)
        {
            problem.Time = t;
            problem.Gradient(reference.Point, g);
            double largest = g.Max(Math.Abs);
            foreach (double v in g) smallestGradient = Math.Min(smallestGradient, Math.Abs(v) / largest);
            reference.Step(g, t);
            observe?.Invoke(t, reference);
            optimizer.Step(p, gradient);
            optimizer.GetIterate(p, iterate);
            worstIterate = Math.Max(worstIterate, NormwiseError(iterate, reference.X));
            worstPoint = Math.Max(worstPoint, NormwiseError(p, reference.Point));
        }
        double travel = NormwiseError(x0.Select(v => (float)v).ToArray(), reference.X);
        return (worstIterate, worstPoint, travel, smallestGradient);
    }

    /// <summary>max_i |x_i - ref_i| / max_i |ref_i|.</summary>
    internal static double NormwiseError(ReadOnlySpan<float> ours, double[] reference)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(ours[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return diff / scale;
    }

    private void Report(string what, IOptimizer opt, (double Iterate, double Point, double Travel, double SmallestGradient) r, bool point = false)
    {
        var info = opt.Info;
        _out.WriteLine($"{what} [{VectorPath}]: error {r.Iterate:E2}" + (point ? $" (gradient point {r.Point:E2})" : "") +
                       $", travel {r.Travel:F3}; {info.GradientEvaluationsPerStep} gradient(s)/step, {info.BytesPerParameterPerStep} bytes/parameter/step");
        Assert.True(r.Iterate <= 1e-5, $"{what}: error {r.Iterate:E3}");
        if (point) Assert.True(r.Point <= 1e-5, $"{what}: gradient point error {r.Point:E3}");
        Assert.True(r.Travel > 0.02, $"{what}: the reference hardly moved ({r.Travel})");
    }

    /// <summary>The widest vector loop the generated passes take on this machine (run the tests with DOTNET_EnableAVX512=0,
    /// DOTNET_EnableAVX=0 or DOTNET_EnableHWIntrinsic=0 to take the narrower ones).</summary>
    private static string VectorPath =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" :
        System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" :
        System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

    /// <summary>Parameter counts: several hundred (not a multiple of 16, so the widest vector loop ends in a scalar tail),
    /// fewer than one vector, and above the tests' parallel threshold (65,536: the multi-threaded blocks).</summary>
    public static TheoryData<int> Sizes => new() { 300, 13, 70_001 };

    // ---------------------------------------------------------------------------------------------------------------
    // Lion (Chen et al. 2023, Algorithm 2; google/automl lion_pytorch.py)

    internal sealed class LionReference(int n, double lr, double beta1, double beta2, double wd) : ReferenceOptimizer
    {
        private readonly double[] _m = new double[n];
        /// <summary>The smallest |c_i| / max |c| seen: how far the sign of the update direction was from flipping.</summary>
        public double SmallestRelativeDirection = double.PositiveInfinity;
        /// <summary>Element-steps where the momentum gave c_t the opposite sign of g_t.</summary>
        public int Disagreements;

        public override void Step(double[] g, int t)
        {
            var c = new double[g.Length];
            for (int i = 0; i < g.Length; i++) c[i] = beta1 * _m[i] + (1 - beta1) * g[i];
            double largest = c.Max(Math.Abs);
            for (int i = 0; i < g.Length; i++)
            {
                SmallestRelativeDirection = Math.Min(SmallestRelativeDirection, Math.Abs(c[i]) / largest);
                if (Math.Sign(c[i]) != Math.Sign(g[i])) Disagreements++;
                X[i] *= 1 - lr * wd;                  // p.data.mul_(1 - lr * weight_decay)
                X[i] -= lr * Math.Sign(c[i]);         // p.add_(update.sign_(), alpha=-lr)
                _m[i] = beta2 * _m[i] + (1 - beta2) * g[i];
            }
        }
    }

    /// <summary>Adaptive methods start far from the optimum, where the quadratic part of the gradient is w with |w_i| in
    /// [3, 5] (on the problem with D in [0.5, 5]): near a zero of a gradient component a normalised step is nearly a sign,
    /// and there any float32 loop of the algorithm (not only this one) departs from the float64 one by ~1e-3.</summary>
    internal static double[] FarStart(RotatedProblem problem) =>
        problem.PointWithQuadraticGradient(Enumerable.Range(0, problem.N).Select(i => (i % 3 == 1 ? -1 : 1) * (4 + Math.Cos(i))).ToArray());

    /// <summary>Lion's problem: far from the optimum, and every fifth gradient component (of the first 300) jumps from +20 to -20 (on top of
    /// the problem's gradient) at a step between 30 and 170, so that for some steps after each jump the momentum, not the
    /// gradient, decides the sign of c_t. The reference checks that c_t never comes near 0.</summary>
    private static RotatedProblem LionProblem(int n)
    {
        var problem = new RotatedProblem(n, 0.5, 5)
        {
            Jump = Enumerable.Range(0, n).Select(i => i % 5 == 2 && i < 300 ? 20.0 : 0).ToArray(),
            JumpTime = Enumerable.Range(0, n).Select(i => 30 + (i * 37) % 140).ToArray(),
        };
        return problem;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Lion_matches_the_authors_algorithm(int n)
    {
        var problem = LionProblem(n);
        double lr = 1e-3, b1 = 0.8, b2 = 0.95, wd = 0.3;
        var opt = new Lion(n) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, WeightDecay = (float)wd };
        var reference = new LionReference(n, lr, b1, b2, wd);
        var r = Compare(opt, reference, problem, FarStart(problem));
        Report($"lion n={n}", opt, r);
        _out.WriteLine($"smallest |c_i| / max |c| in the reference: {reference.SmallestRelativeDirection:E2}; steps where sign(c_i) != sign(g_i): {reference.Disagreements}");
        // The float32 run differs from the reference by ~1e-6 relative, so c_t of the two differs by far less than 1e-5 max |c|.
        Assert.True(reference.SmallestRelativeDirection > 1e-5, "the update direction came near a sign change");
        Assert.True(reference.Disagreements > 0, "the momentum never decided a sign");
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void Lion_comparison_detects_the_betas_swapped()
    {
        int n = 300;
        var problem = LionProblem(n);
        var opt = new Lion(n) { LearningRate = 1e-3f, Beta1 = 0.8f, Beta2 = 0.95f, WeightDecay = 0.3f };
        var r = Compare(opt, new LionReference(n, 1e-3, 0.95, 0.8, 0.3), problem, FarStart(problem));
        _out.WriteLine($"lion against swapped betas: {r.Iterate:E2}");
        Assert.True(r.Iterate > 1e-4);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // AdaBelief (Zhuang et al. 2020, Algorithm 2; adabelief_pytorch 0.2.0, rectify = False)

    internal sealed class AdaBeliefReference(int n, double lr, double beta1, double beta2, double eps, double wd, bool decouple, bool epsInside = true) : ReferenceOptimizer
    {
        private readonly double[] _m = new double[n], _s = new double[n];

        public override void Step(double[] g, int t)
        {
            double bc1 = 1 - Math.Pow(beta1, t), bc2 = 1 - Math.Pow(beta2, t);
            for (int i = 0; i < g.Length; i++)
            {
                double grad = g[i];
                if (decouple) X[i] *= 1 - lr * wd;                      // weight_decouple, not fixed_decay
                else grad += wd * X[i];
                _m[i] = beta1 * _m[i] + (1 - beta1) * grad;
                double residual = grad - _m[i];
                _s[i] = beta2 * _s[i] + (1 - beta2) * residual * residual;
                if (epsInside) _s[i] += eps;                            // exp_avg_var.add_(eps), in place
                double denom = Math.Sqrt(_s[i]) / Math.Sqrt(bc2) + eps;
                X[i] -= lr / bc1 * _m[i] / denom;
            }
        }
    }

    [Theory]
    [InlineData(300, true)]
    [InlineData(300, false)]
    [InlineData(13, true)]
    [InlineData(70_001, true)]
    public void AdaBelief_matches_the_authors_algorithm(int n, bool decouple)
    {
        var problem = new RotatedProblem(n, 0.5, 5);
        double lr = 0.005, b1 = 0.8, b2 = 0.99, eps = 1e-3, wd = 0.05;
        var opt = new AdaBelief(n) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps, WeightDecay = (float)wd, WeightDecouple = decouple };
        var r = Compare(opt, new AdaBeliefReference(n, lr, b1, b2, eps, wd, decouple), problem, FarStart(problem));
        Report($"adabelief n={n} decouple={decouple}", opt, r);
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void AdaBelief_comparison_detects_eps_left_out_of_the_second_moment()
    {
        int n = 300;
        var problem = new RotatedProblem(n, 0.5, 5);
        var opt = new AdaBelief(n) { LearningRate = 0.005f, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-3f, WeightDecay = 0.05f };
        var r = Compare(opt, new AdaBeliefReference(n, 0.005, 0.8, 0.99, 1e-3, 0.05, decouple: true, epsInside: false), problem, FarStart(problem));
        _out.WriteLine($"adabelief against eps outside s_t only: {r.Iterate:E2}");
        Assert.True(r.Iterate > 1e-4);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Adan (Xie et al. 2022, Algorithm 1; sail-sg/Adan adan.py, _single_tensor_adan)

    internal sealed class AdanReference(int n, double lr, double beta1, double beta2, double beta3, double eps, double wd, bool noProx, bool firstDifferenceZero = true) : ReferenceOptimizer
    {
        private readonly double[] _m = new double[n], _v = new double[n], _n = new double[n], _negPrev = new double[n];

        public override void Step(double[] g, int t)
        {
            double bc1 = 1 - Math.Pow(beta1, t), bc2 = 1 - Math.Pow(beta2, t), bc3 = 1 - Math.Pow(beta3, t);
            for (int i = 0; i < g.Length; i++)
            {
                if (t == 1) _negPrev[i] = firstDifferenceZero ? -g[i] : 0;   // neg_pre_grad = -g at the first step
                double diff = _negPrev[i] + g[i];                            // g_t - g_{t-1}
                _m[i] = beta1 * _m[i] + (1 - beta1) * g[i];
                _v[i] = beta2 * _v[i] + (1 - beta2) * diff;
                double corrected = beta2 * diff + g[i];
                _n[i] = beta3 * _n[i] + (1 - beta3) * corrected * corrected;
                double denom = Math.Sqrt(_n[i]) / Math.Sqrt(bc3) + eps;
                if (noProx) X[i] *= 1 - lr * wd;
                X[i] -= lr / bc1 * _m[i] / denom;
                X[i] -= lr * beta2 / bc2 * _v[i] / denom;
                if (!noProx) X[i] /= 1 + lr * wd;
                _negPrev[i] = -g[i];
            }
        }
    }

    [Theory]
    [InlineData(300, false)]
    [InlineData(300, true)]
    [InlineData(13, false)]
    [InlineData(70_001, false)]
    public void Adan_matches_the_authors_algorithm(int n, bool noProx)
    {
        var problem = new RotatedProblem(n, 0.5, 5);
        double lr = 0.005, b1 = 0.9, b2 = 0.85, b3 = 0.95, eps = 1e-6, wd = 0.05;
        var opt = new Adan(n) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Beta3 = (float)b3, Epsilon = (float)eps, WeightDecay = (float)wd, NoProx = noProx };
        var r = Compare(opt, new AdanReference(n, lr, b1, b2, b3, eps, wd, noProx), problem, FarStart(problem));
        Report($"adan n={n} noProx={noProx}", opt, r);
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void Adan_comparison_detects_a_zero_previous_gradient_at_the_first_step()
    {
        // g_{-1} = 0 instead of the code's g_{-1} = g_0 changes the first difference, and the run.
        int n = 300;
        var problem = new RotatedProblem(n, 0.5, 5);
        var opt = new Adan(n) { LearningRate = 0.005f, Beta1 = 0.9f, Beta2 = 0.85f, Beta3 = 0.95f, Epsilon = 1e-6f, WeightDecay = 0.05f };
        var r = Compare(opt, new AdanReference(n, 0.005, 0.9, 0.85, 0.95, 1e-6, 0.05, noProx: false, firstDifferenceZero: false), problem, FarStart(problem));
        _out.WriteLine($"adan against g_-1 = 0: {r.Iterate:E2}");
        Assert.True(r.Iterate > 1e-4);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Schedule-free SGD and AdamW (Defazio et al. 2024, Algorithm 1; facebookresearch/schedule_free, the *_reference.py)

    /// <summary>SGDScheduleFreeReference.step (or, with <paramref name="adam"/>, AdamWScheduleFreeReference.step): x, z, y
    /// kept as three arrays; the gradient is taken at y.</summary>
    internal sealed class ScheduleFreeReference(int n, double lr, double beta, double wd, double warmup, double r, double weightLrPower,
        bool adam = false, double beta2 = 0, double eps = 0, bool averageByCount = false) : ReferenceOptimizer
    {
        private double[] _z = [], _y = [];
        private readonly double[] _v = new double[n];
        private double _weightSum, _lrMax = -1;
        public override double[] Point => _y.Length == 0 ? X : _y;

        public override void Step(double[] g, int t)
        {
            if (_z.Length == 0) { _z = (double[])X.Clone(); _y = (double[])X.Clone(); }
            int k = t - 1;
            double sched = k < warmup ? (k + 1) / warmup : 1.0;
            double lrT = adam ? lr * sched * Math.Sqrt(1 - Math.Pow(beta2, k + 1)) : lr * sched;
            _lrMax = Math.Max(lrT, _lrMax);
            double weight = Math.Pow(k + 1, r) * Math.Pow(_lrMax, weightLrPower);
            _weightSum += weight;
            double ckp1 = _weightSum == 0 ? 0 : weight / _weightSum;     // ZeroDivisionError -> 0
            if (averageByCount) ckp1 = 1.0 / t;
            for (int i = 0; i < n; i++)
            {
                if (adam)
                {
                    if (wd != 0) _z[i] -= lrT * wd * _y[i];                   // decay_at_z = False: at y
                    _v[i] = beta2 * _v[i] + (1 - beta2) * g[i] * g[i];
                    _z[i] -= lrT * g[i] / (Math.Sqrt(_v[i]) + eps);
                }
                else
                {
                    _z[i] -= lrT * (g[i] + wd * _y[i]);                       // grad.add_(y, alpha=weight_decay); z.sub_(grad, alpha=lr)
                }
                X[i] = (1 - ckp1) * X[i] + ckp1 * _z[i];
                _y[i] = beta * X[i] + (1 - beta) * _z[i];
            }
        }
    }

    [Theory]
    [InlineData(300, 20.0, 0.5)]
    [InlineData(300, 0.0, 0.0)]
    [InlineData(13, 20.0, 0.5)]
    [InlineData(70_001, 20.0, 0.5)]
    public void ScheduleFreeSgd_matches_the_authors_reference(int n, double warmup, double r)
    {
        var problem = new RotatedProblem(n);
        double lr = 0.05, beta = 0.8, wd = 0.01, p = 1.5;
        var opt = new ScheduleFreeSgd(n) { LearningRate = (float)lr, Momentum = (float)beta, WeightDecay = (float)wd, WarmupSteps = (float)warmup, R = (float)r, WeightLrPower = (float)p };
        var result = Compare(opt, new ScheduleFreeReference(n, lr, beta, wd, warmup, r, p), problem, problem.Start());
        Report($"schedule-free-sgd n={n} warmup={warmup} r={r}", opt, result, point: true);
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void ScheduleFreeSgd_comparison_detects_the_plain_average_during_warmup()
    {
        // c_t = 1/t instead of the warmup-weighted w_t / sum w_i: the iterate differs.
        int n = 300;
        var problem = new RotatedProblem(n);
        var opt = new ScheduleFreeSgd(n) { LearningRate = 0.05f, Momentum = 0.8f, WeightDecay = 0.01f, WarmupSteps = 20, R = 0.5f, WeightLrPower = 1.5f };
        var result = Compare(opt, new ScheduleFreeReference(n, 0.05, 0.8, 0.01, 20, 0.5, 1.5, averageByCount: true), problem, problem.Start());
        _out.WriteLine($"schedule-free-sgd against c_t = 1/t: {result.Iterate:E2}");
        Assert.True(result.Iterate > 1e-4);
    }

    [Theory]
    [InlineData(300, 25.0)]
    [InlineData(300, 0.0)]
    [InlineData(13, 25.0)]
    [InlineData(70_001, 25.0)]
    public void ScheduleFreeAdamW_matches_the_authors_reference(int n, double warmup)
    {
        var problem = new RotatedProblem(n, 0.5, 5);
        double lr = 0.005, b1 = 0.85, b2 = 0.99, eps = 1e-6, wd = 0.02, r = 0.25, p = 2;
        var opt = new ScheduleFreeAdamW(n) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps, WeightDecay = (float)wd, WarmupSteps = (float)warmup, R = (float)r, WeightLrPower = (float)p };
        var result = Compare(opt, new ScheduleFreeReference(n, lr, b1, wd, warmup, r, p, adam: true, beta2: b2, eps: eps), problem, FarStart(problem));
        Report($"schedule-free-adamw n={n} warmup={warmup}", opt, result, point: true);
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void ScheduleFreeAdamW_comparison_detects_the_plain_average()
    {
        // Without warmup c_t still carries sqrt(1 - beta2^t) in its weights; c_t = 1/t is visibly different.
        int n = 300;
        var problem = new RotatedProblem(n, 0.5, 5);
        var opt = new ScheduleFreeAdamW(n) { LearningRate = 0.005f, Beta1 = 0.85f, Beta2 = 0.99f, Epsilon = 1e-6f, WeightDecay = 0.02f };
        var result = Compare(opt, new ScheduleFreeReference(n, 0.005, 0.85, 0.02, 0, 0, 2, adam: true, beta2: 0.99, eps: 1e-6, averageByCount: true), problem, FarStart(problem));
        _out.WriteLine($"schedule-free-adamw against c_t = 1/t: {result.Iterate:E2}");
        Assert.True(result.Iterate > 1e-4);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // LaProp (Ziyin et al. 2020, Algorithm 1; Z-T-WANG/LaProp-Optimizer laprop.py)

    /// <summary>laprop.py's step, lr inside the momentum and the lr-weighted bias correction included (equal to the
    /// paper's for a constant lr). With <paramref name="adamOrder"/> the momentum averages raw gradients and is
    /// normalised afterwards, Adam's order: the one thing LaProp changes.</summary>
    internal sealed class LaPropReference(int n, double lr, double beta1, double beta2, double eps, double wd, bool adamOrder = false) : ReferenceOptimizer
    {
        private readonly double[] _m = new double[n], _v = new double[n];
        private double _avgLr1, _avgLr2;

        public override void Step(double[] g, int t)
        {
            _avgLr1 = _avgLr1 * beta1 + (1 - beta1) * lr;                  // exp_avg_lr_1
            _avgLr2 = _avgLr2 * beta2 + (1 - beta2);                       // exp_avg_lr_2
            double bc1 = _avgLr1 / lr, bc2 = _avgLr2;
            for (int i = 0; i < n; i++)
            {
                _v[i] = beta2 * _v[i] + (1 - beta2) * g[i] * g[i];
                double denom = Math.Sqrt(_v[i] / bc2) + eps;
                if (adamOrder)
                {
                    _m[i] = beta1 * _m[i] + (1 - beta1) * lr * g[i];
                    X[i] -= _m[i] / bc1 / denom;
                }
                else
                {
                    _m[i] = beta1 * _m[i] + (1 - beta1) * lr * g[i] / denom;  // exp_avg.mul_(beta1).add_((1 - beta1) * lr, step_of_this_grad)
                    X[i] -= _m[i] / bc1;                                     // p.data.add_(-step_size, exp_avg)
                }
                X[i] -= wd * X[i];                                           // p.data.add_(-weight_decay, p.data)
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void LaProp_matches_the_authors_algorithm(int n)
    {
        var problem = new RotatedProblem(n, 0.5, 5);
        double lr = 0.005, b1 = 0.85, b2 = 0.99, eps = 1e-8, wd = 1e-3;
        var opt = new LaProp(n) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps, WeightDecay = (float)wd };
        var r = Compare(opt, new LaPropReference(n, lr, b1, b2, eps, wd), problem, FarStart(problem));
        Report($"laprop n={n}", opt, r);
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void LaProp_comparison_detects_Adams_order()
    {
        int n = 300;
        var problem = new RotatedProblem(n, 0.5, 5);
        var opt = new LaProp(n) { LearningRate = 0.005f, Beta1 = 0.85f, Beta2 = 0.99f, Epsilon = 1e-8f, WeightDecay = 1e-3f };
        var r = Compare(opt, new LaPropReference(n, 0.005, 0.85, 0.99, 1e-8, 1e-3, adamOrder: true), problem, FarStart(problem));
        _out.WriteLine($"laprop against Adam's order: {r.Iterate:E2}");
        Assert.True(r.Iterate > 1e-4);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // AdEMAMix (Pagliardini et al. 2024, Algorithm 1; apple/ml-ademamix pytorch/ademamix.py)

    internal sealed class AdEMAMixReference(int n, double lr, double beta1, double beta2, double beta3, double alpha, double? beta3Warmup,
        double? alphaWarmup, double eps, double wd) : ReferenceOptimizer
    {
        private readonly double[] _fast = new double[n], _slow = new double[n], _sq = new double[n];

        private static double LinearWarmup(int step, double end, double start, double warmup) =>
            step < warmup ? (1.0 - step / warmup) * start + step / warmup * end : end;

        private static double HalfLifeWarmup(int step, double end, double start, double warmup)
        {
            static double F(double beta, double e = 1e-8) => Math.Log(0.5) / Math.Log(beta + e) - 1;
            static double FInv(double t) => Math.Pow(0.5, 1 / (t + 1));
            if (step < warmup)
            {
                double a = step / warmup;
                return FInv((1.0 - a) * F(start) + a * F(end));
            }
            return end;
        }

        public override void Step(double[] g, int t)
        {
            double bc1 = 1 - Math.Pow(beta1, t), bc2 = 1 - Math.Pow(beta2, t);
            double a = alphaWarmup is { } aw ? LinearWarmup(t, alpha, 0, aw) : alpha;
            double b3 = beta3Warmup is { } bw ? HalfLifeWarmup(t, beta3, beta1, bw) : beta3;
            for (int i = 0; i < n; i++)
            {
                _fast[i] = beta1 * _fast[i] + (1 - beta1) * g[i];
                _slow[i] = b3 * _slow[i] + (1 - b3) * g[i];
                _sq[i] = beta2 * _sq[i] + (1 - beta2) * g[i] * g[i];
                double denom = Math.Sqrt(_sq[i]) / Math.Sqrt(bc2) + eps;
                double update = (_fast[i] / bc1 + a * _slow[i]) / denom + wd * X[i];
                X[i] -= lr * update;
            }
        }
    }

    [Theory]
    [InlineData(300, true)]
    [InlineData(300, false)]
    [InlineData(13, true)]
    [InlineData(70_001, true)]
    public void AdEMAMix_matches_the_authors_algorithm(int n, bool warmups)
    {
        var problem = new RotatedProblem(n, 0.5, 5);
        double lr = 0.005, b1 = 0.8, b2 = 0.99, b3 = 0.995, alpha = 5, eps = 1e-6, wd = 0.01;
        double? b3w = warmups ? 150 : null, aw = warmups ? 100 : null;
        var opt = new AdEMAMix(n) { LearningRate = (float)lr, Beta1 = (float)b1, Beta2 = (float)b2, Beta3 = (float)b3, Alpha = (float)alpha,
            Beta3Warmup = (float)(b3w ?? 0), AlphaWarmup = (float)(aw ?? 0), Epsilon = (float)eps, WeightDecay = (float)wd };
        var r = Compare(opt, new AdEMAMixReference(n, lr, b1, b2, b3, alpha, b3w, aw, eps, wd), problem, FarStart(problem));
        Report($"ademamix n={n} warmups={warmups}", opt, r);
        Assert.Equal(1, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void AdEMAMix_comparison_detects_a_missing_beta3_warmup()
    {
        int n = 300;
        var problem = new RotatedProblem(n, 0.5, 5);
        var opt = new AdEMAMix(n) { LearningRate = 0.005f, Beta1 = 0.8f, Beta2 = 0.99f, Beta3 = 0.995f, Alpha = 5, Beta3Warmup = 150, AlphaWarmup = 100, Epsilon = 1e-6f, WeightDecay = 0.01f };
        var r = Compare(opt, new AdEMAMixReference(n, 0.005, 0.8, 0.99, 0.995, 5, null, 100, 1e-6, 0.01), problem, FarStart(problem));
        _out.WriteLine($"ademamix against no beta3 warmup: {r.Iterate:E2}");
        Assert.True(r.Iterate > 1e-4);
    }
}
