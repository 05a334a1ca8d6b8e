// Issue 17, part 1: [Implicit] bodies that read g, end to end through the generated built-ins. References are written
// out independently: the closed form of backward Euler on a quadratic, a Newton solve in double to 1e-12 of each
// implicit step on a nonlinear problem, and an RK4 solution in double of the gradient flow for the observed orders.
using System;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public sealed class ImplicitGradientStageTests
{
    private readonly ITestOutputHelper _out;
    public ImplicitGradientStageTests(ITestOutputHelper output) => _out = output;

    /// <summary>The building blocks' quadratic: f = 1/2 sum a_i x_i^2 - b_i x_i, a log-spaced in [1, 1e4] (condition 1e4).</summary>
    private static (double[] A, double[] B) IllConditioned(int n = 60)
    {
        var a = Enumerable.Range(0, n).Select(i => Math.Pow(10, 4.0 * i / (n - 1))).ToArray();
        var rng = new Random(17);
        var b = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * 10).ToArray();
        return (a, b);
    }

    private static GradientFunction Quadratic(double[] a, double[] b, Action? onCall = null) => (p, g) =>
    {
        onCall?.Invoke();
        for (int i = 0; i < a.Length; i++) g[i] = (float)(a[i] * p[i] - b[i]);
    };

    private static float[] Start(int n) => Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();

    [Fact]
    public void Backward_Euler_converges_at_50_over_L_on_condition_1e4_where_forward_Euler_diverges()
    {
        var (a, b) = IllConditioned();
        int n = a.Length;
        double h = 50 / a[^1];
        var opt = new BackwardEulerGradientFlow(n) { LearningRate = (float)h, SolverTolerance = 1e-7f };
        Assert.False(opt.Info.GradientCount.IsFixed);
        Assert.Equal(1, opt.Info.GradientCount.Minimum);
        Assert.Equal(new[] { 1 }, opt.Info.ImplicitGradientStages);
        Assert.False(opt is ISingleGradientOptimizer); // a solve needs the closure form

        var x = Start(n);
        var reference = x.Select(v => (double)v).ToArray();
        var solution = Enumerable.Range(0, n).Select(i => b[i] / a[i]).ToArray();
        double start = Distance(reference, solution);
        int maxIterations = 0;
        const int steps = 2000;
        for (int k = 0; k < steps; k++)
        {
            opt.Step(x, Quadratic(a, b));
            Assert.True(opt.Statistics.LastSolverConverged);
            maxIterations = Math.Max(maxIterations, opt.Statistics.LastSolverIterations);
            // The closed form of one step: (1 + h a_i) x_i = x_i^n + h b_i.
            for (int i = 0; i < n; i++) reference[i] = (reference[i] + h * b[i]) / (1 + h * a[i]);
        }
        double worst = Enumerable.Range(0, n).Max(i => Math.Abs(x[i] - reference[i]));
        double distance = Distance(x.Select(v => (double)v).ToArray(), solution);
        _out.WriteLine($"backward Euler, h = 50/L, {steps} steps: |x - x*| {start:E3} -> {distance:E3}; max |x - closed form| {worst:E2}; " +
                       $"{opt.Statistics.GradientEvaluations} gradients ({(double)opt.Statistics.GradientEvaluations / steps:F1} a step, at most {maxIterations})");
        Assert.True(worst <= 1e-4, $"max deviation from the closed form {worst:E2}");
        // The slowest mode contracts by 1/(1 + h a_min) = 1/1.005 a step: 2000 steps give 4.6e-5.
        Assert.True(distance <= 1e-4 * start, $"|x - x*| went from {start:E3} to {distance:E3}");

        // Forward Euler is stable only for h < 2/L: at 50/L and at 2.1/L it blows up.
        foreach (double factor in new[] { 50.0, 2.1 })
        {
            var euler = new GradientFlowEuler(n) { LearningRate = (float)(factor / a[^1]) };
            var y = Start(n);
            for (int k = 0; k < 400; k++) euler.Step(y, Quadratic(a, b));
            double d = Distance(y.Select(v => (double)v).ToArray(), solution);
            _out.WriteLine($"forward Euler, h = {factor}/L, 400 steps: |x - x*| = {d:E3}");
            Assert.True(!double.IsFinite(d) || d > 1e6 * start, $"forward Euler at {factor}/L ended at {d:E3}");
        }
    }

    private static double Distance(double[] x, double[] y) => Math.Sqrt(x.Select((v, i) => (v - y[i]) * (v - y[i])).Sum());

    // ---- A coupled nonlinear problem: f = 1/2 x^T A x + 1/4 sum x_i^4 - b^T x, A tridiagonal (2 + i on the diagonal,
    // -1 beside it), so grad f = A x + x^3 - b and the Hessian is A + diag(3 x^2).

    private const int M = 20;

    private static double[] NonlinearGradient(double[] x)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double ax = (2 + i) * x[i] - (i > 0 ? x[i - 1] : 0) - (i + 1 < x.Length ? x[i + 1] : 0);
            g[i] = ax + x[i] * x[i] * x[i] - Math.Sin(i);
        }
        return g;
    }

    private static double[,] NonlinearHessian(double[] x)
    {
        int n = x.Length;
        var h = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            h[i, i] = 2 + i + 3 * x[i] * x[i];
            if (i > 0) h[i, i - 1] = -1;
            if (i + 1 < n) h[i, i + 1] = -1;
        }
        return h;
    }

    private static GradientFunction NonlinearFloat(Action? onCall = null) => (p, g) =>
    {
        onCall?.Invoke();
        var gd = NonlinearGradient(p.ToArray().Select(v => (double)v).ToArray());
        for (int i = 0; i < gd.Length; i++) g[i] = (float)gd[i];
    };

    /// <summary>Solves x = x0 + c0 - c1 grad f(x) by Newton's method in double to |F| &lt;= 1e-12 (a dense solve of
    /// I + c1 H per iteration).</summary>
    private static double[] NewtonSolve(double[] x0, double[] c0, double c1)
    {
        int n = x0.Length;
        var x = (double[])x0.Clone();
        for (int it = 0; it < 100; it++)
        {
            var g = NonlinearGradient(x);
            var f = Enumerable.Range(0, n).Select(i => x[i] - x0[i] - c0[i] + c1 * g[i]).ToArray();
            if (f.Max(Math.Abs) <= 1e-12) return x;
            var j = NonlinearHessian(x);
            for (int r = 0; r < n; r++)
            {
                for (int c = 0; c < n; c++) j[r, c] *= c1;
                j[r, r] += 1;
            }
            var dx = Problems.SolveDense(j, f.Select(v => -v).ToArray());
            for (int i = 0; i < n; i++) x[i] += dx[i];
        }
        throw new InvalidOperationException("the reference Newton solve did not converge");
    }

    [Fact]
    public void Backward_Euler_step_on_a_nonlinear_problem_equals_a_Newton_solve_in_double()
    {
        // h = 1: h L is about 25, so the plain fixed-point iteration would diverge.
        var opt = new BackwardEulerGradientFlow(M) { LearningRate = 1f, SolverTolerance = 1e-7f };
        var x = Enumerable.Range(0, M).Select(i => (float)(1.5 * Math.Cos(0.7 * i))).ToArray();
        var zero = new double[M];
        for (int k = 0; k < 5; k++)
        {
            var x0 = x.Select(v => (double)v).ToArray();
            opt.Step(x, NonlinearFloat());
            var reference = NewtonSolve(x0, zero, 1.0); // x = x0 - h grad f(x)
            double worst = Enumerable.Range(0, M).Max(i => Math.Abs(x[i] - reference[i]));
            double size = reference.Max(Math.Abs);
            _out.WriteLine($"step {k + 1}: {opt.Statistics.LastSolverIterations} iterations, residual {opt.Statistics.LastSolverResidual:E2}, max |x - Newton| = {worst:E2} (|x| {size:F3})");
            Assert.True(opt.Statistics.LastSolverConverged);
            Assert.True(worst <= 2e-6 * Math.Max(1, size), $"step {k + 1}: max |x - Newton| = {worst:E2}");
        }
    }

    [Fact]
    public void Implicit_damped_Newton_equals_a_Newton_solve_of_its_three_steps_in_double()
    {
        // u1 = (u0 - h g(theta1)) / (1 + h gamma), theta1 = theta0 + h u1: theta1 = theta0 + h u0/(1 + h gamma) - h^2/(1 + h gamma) g(theta1).
        const double h = 0.8, gamma = 0.5;
        var opt = new ImplicitDampedNewton(M) { TimeStep = (float)h, Damping = (float)gamma, SolverTolerance = 1e-7f };
        var x = Enumerable.Range(0, M).Select(i => (float)Math.Cos(0.7 * i)).ToArray();
        var theta = x.Select(v => (double)v).ToArray();
        var u = new double[M];
        for (int k = 0; k < 3; k++)
        {
            opt.Step(x, NonlinearFloat());
            var c0 = u.Select(v => h * v / (1 + h * gamma)).ToArray();
            var next = NewtonSolve(theta, c0, h * h / (1 + h * gamma));
            var g = NonlinearGradient(next);
            u = Enumerable.Range(0, M).Select(i => (u[i] - h * g[i]) / (1 + h * gamma)).ToArray();
            theta = next;
            Assert.True(opt.Statistics.LastSolverConverged);
        }
        double worst = Enumerable.Range(0, M).Max(i => Math.Abs(x[i] - theta[i]));
        _out.WriteLine($"implicit damped Newton, 3 steps at h = {h}: max |theta - Newton| = {worst:E2}, {opt.Statistics.GradientEvaluations} gradients");
        Assert.True(worst <= 1e-5, $"max |theta - Newton| = {worst:E2}");
    }

    /// <summary>The gradient flow of the nonlinear problem (4 unknowns) integrated to t = 1 by classical RK4 in double with
    /// 4096 steps: error about 1e-15, far below what the float schemes reach.</summary>
    private static double[] FlowReference(double[] x0)
    {
        const int steps = 4096;
        double h = 1.0 / steps;
        var x = (double[])x0.Clone();
        double[] F(double[] y) => NonlinearGradient(y).Select(v => -v).ToArray();
        double[] Add(double[] y, double c, double[] k) => y.Select((v, i) => v + c * k[i]).ToArray();
        for (int s = 0; s < steps; s++)
        {
            var k1 = F(x);
            var k2 = F(Add(x, h / 2, k1));
            var k3 = F(Add(x, h / 2, k2));
            var k4 = F(Add(x, h, k3));
            x = x.Select((v, i) => v + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
        }
        return x;
    }

    [Theory]
    [InlineData("backward-euler", 1)]
    [InlineData("trapezoidal", 2)]
    public void Observed_order_on_the_nonlinear_gradient_flow(string scheme, int order)
    {
        const int n = 4;
        var x0 = Enumerable.Range(0, n).Select(i => 0.8 * Math.Cos(i)).ToArray();
        var exact = FlowReference(x0);
        int[] counts = order == 1 ? new[] { 8, 16, 32, 64 } : new[] { 4, 8, 16, 32 };
        var errors = counts.Select(steps =>
        {
            IOptimizer opt = scheme == "trapezoidal"
                ? new TrapezoidalGradientFlow(n) { LearningRate = 1f / steps, SolverTolerance = 1e-7f }
                : new BackwardEulerGradientFlow(n) { LearningRate = 1f / steps, SolverTolerance = 1e-7f };
            var x = x0.Select(v => (float)v).ToArray();
            for (int s = 0; s < steps; s++) opt.Step(x, NonlinearFloat());
            return Enumerable.Range(0, n).Max(i => Math.Abs(x[i] - exact[i]));
        }).ToArray();
        var slopes = Enumerable.Range(1, counts.Length - 1).Select(i => Math.Log2(errors[i - 1] / errors[i])).ToArray();
        _out.WriteLine($"{scheme}: errors at t = 1 for {string.Join(", ", counts)} steps: {string.Join(", ", errors.Select(e => e.ToString("E3")))}; observed orders {string.Join(", ", slopes.Select(s => s.ToString("F3")))}");
        foreach (var s in slopes) Assert.InRange(s, order - 0.15, order + 0.15);
    }

    // ---- Non-convergence policies and failures inside a step: everything as before where the policy says so.

    private static byte[] State(IOptimizer opt)
    {
        using var stream = new MemoryStream();
        opt.SaveState(stream);
        return stream.ToArray();
    }

    private static ImplicitDampedNewton Stiff(int n, out float[] x, out GradientFunction gradient)
    {
        var (a, b) = IllConditioned(n);
        var opt = new ImplicitDampedNewton(n) { TimeStep = (float)(50 / a[^1]), Damping = 1f };
        x = Start(n);
        gradient = Quadratic(a, b);
        opt.Step(x, gradient); // u is nonzero from here on
        return opt;
    }

    [Fact]
    public void A_solve_that_does_not_converge_throws_or_rejects_with_everything_as_before_or_is_accepted_and_counted()
    {
        const int n = 60;
        var opt = Stiff(n, out var x, out var gradient);
        Assert.Equal(NonConvergencePolicy.Throw, opt.NonConvergence);
        opt.SolverMaxIterations = 2;
        var parameters = (float[])x.Clone();
        var state = State(opt);

        var e = Assert.Throws<NonConvergenceException>(() => opt.Step(x, gradient));
        Assert.Contains("did not converge in 2 iterations", e.Message);
        Assert.Equal(parameters, x);
        Assert.Equal(state, State(opt));
        Assert.Equal(1, opt.StepCount);

        opt.NonConvergence = NonConvergencePolicy.Reject;
        long rejected = opt.Statistics.RejectedSteps;
        opt.Step(x, gradient);
        Assert.Equal(parameters, x);
        Assert.Equal(state, State(opt));
        Assert.Equal(1, opt.StepCount);
        Assert.Equal(rejected + 1, opt.Statistics.RejectedSteps);
        Assert.False(opt.Statistics.LastSolverConverged);

        opt.NonConvergence = NonConvergencePolicy.Accept;
        opt.Step(x, gradient);
        Assert.Equal(2, opt.StepCount);
        Assert.Equal(1, opt.Statistics.UnconvergedSteps);
        Assert.NotEqual(parameters, x);

        // With the default cap the same step converges and lands on the same point as an optimizer that never failed.
        var control = Stiff(n, out var y, out var gradient2);
        var again = Stiff(n, out var z, out var gradient3);
        again.SolverMaxIterations = 2;
        Assert.Throws<NonConvergenceException>(() => again.Step(z, gradient3));
        again.SolverMaxIterations = 100;
        control.Step(y, gradient2);
        again.Step(z, gradient3);
        Assert.Equal(y, z);
        Assert.Equal(State(control), State(again));
    }

    [Theory]
    [InlineData(1)] // the first evaluation (explicit part of the iteration's start)
    [InlineData(4)] // inside the solve
    public void A_gradient_function_that_throws_inside_the_solve_leaves_parameters_state_and_step_count_as_before(int failAt)
    {
        const int n = 60;
        var opt = Stiff(n, out var x, out var gradient);
        var parameters = (float[])x.Clone();
        var state = State(opt);
        int calls = 0;
        var (a, b) = IllConditioned(n);
        var failing = Quadratic(a, b, () => { if (++calls == failAt) throw new InvalidDataException("gradient failed"); });
        Assert.Throws<InvalidDataException>(() => opt.Step(x, failing));
        Assert.Equal(parameters, x);
        Assert.Equal(state, State(opt));
        Assert.Equal(1, opt.StepCount);

        var control = Stiff(n, out var y, out var g2);
        control.Step(y, g2);
        opt.Step(x, gradient);
        Assert.Equal(y, x);
    }

    [Fact]
    public void Info_reports_the_variable_gradient_count_and_the_registry_creates_the_built_ins()
    {
        var be = new BackwardEulerGradientFlow(3).Info;
        Assert.Equal("1..100", be.GradientCount.ToString());
        var trap = new TrapezoidalGradientFlow(3).Info;
        Assert.Equal(2, trap.GradientCount.Minimum); // the explicit stage, then at least one iteration
        Assert.Equal(101, trap.GradientCount.Maximum);
        Assert.Equal(new[] { 2 }, trap.ImplicitGradientStages);
        Assert.Equal(double.PositiveInfinity, trap.StabilityBound); // A-stable, gradient implicit only
        Assert.Equal(2, trap.Order);
        foreach (var name in new[] { "backward-euler-gradient-flow", "trapezoidal-gradient-flow", "implicit-damped-newton" })
            Assert.Equal(name, OptimizerRegistry.Create(name, 3).Info.Name);
    }
}
