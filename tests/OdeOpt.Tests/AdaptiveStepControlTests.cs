// Issue 17, part 2: step-size control end to end through the generated built-ins. References: the exact solution of a
// linear ODE (global error against tolerance), the closed-form minimiser of a quadratic, a textbook Armijo backtracking
// written out in double (Nocedal & Wright, Algorithm 3.1, with the growth step), and the optimizers' own runs with the
// accepted step size given directly (rejections must leave no trace) or on another thread count (bit-identical).
using System;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

public sealed class AdaptiveStepControlTests
{
    private readonly ITestOutputHelper _out;
    public AdaptiveStepControlTests(ITestOutputHelper output) => _out = output;

    private static GradientFunction Diagonal(double[] a, double[]? b = null) => (p, g) =>
    {
        for (int i = 0; i < p.Length; i++) g[i] = (float)(a[i % a.Length] * p[i] - (b is null ? 0 : b[i % b.Length]));
    };

    private static byte[] State(IOptimizer opt)
    {
        using var stream = new MemoryStream();
        opt.SaveState(stream);
        return stream.ToArray();
    }

    private static IOptimizer Create(string name, int n, float tolerance, float h)
    {
        var opt = OptimizerRegistry.Create(name, n);
        var t = (ITrainingOptimizer)opt;
        t.SetHyperparameter("AbsoluteTolerance", tolerance);
        t.SetHyperparameter("RelativeTolerance", tolerance);
        t.SetHyperparameter("LearningRate", h);
        return opt;
    }

    private static StepStatistics Statistics(IOptimizer opt) => (StepStatistics)opt.GetType().GetProperty("Statistics")!.GetValue(opt)!;

    [Theory]
    [InlineData("adaptive-bs3-gradient-flow", 3, 2)]
    [InlineData("adaptive-dp5-gradient-flow", 5, 4)]
    public void On_a_linear_ODE_the_global_error_tracks_the_tolerance(string name, int order, int embedded)
    {
        // theta' = -A theta, A = diag(0.5, 1, 2, 4), theta(0) = 1, to T = 2: theta_i(T) = exp(-a_i T).
        double[] a = { 0.5, 1, 2, 4 };
        const double T = 2;
        var info = OptimizerRegistry.GetInfo(name);
        Assert.Equal(order, info.Order);
        Assert.Equal(embedded, info.EmbeddedOrder);
        Assert.Equal(StepControl.ProportionalIntegral, info.StepControl);
        Assert.True(info.FirstSameAsLast);
        Assert.False(info.GradientCount.IsFixed);

        double[] tolerances = { 1e-2, 1e-3, 1e-4, 1e-5 };
        var errors = new double[tolerances.Length];
        for (int k = 0; k < tolerances.Length; k++)
        {
            var opt = Create(name, a.Length, (float)tolerances[k], 0.01f);
            var t = (ITrainingOptimizer)opt;
            var x = new float[] { 1, 1, 1, 1 };
            var stats = Statistics(opt);
            // An ODE solver's loop: clip the last step to land on T.
            while (T - stats.Time > 1e-9)
            {
                if (t.GetHyperparameter("LearningRate") > T - stats.Time) t.SetHyperparameter("LearningRate", (float)(T - stats.Time));
                opt.Step(x, Diagonal(a));
            }
            Assert.InRange(stats.Time, T - 1e-9, T + 1e-6);
            errors[k] = Enumerable.Range(0, a.Length).Max(i => Math.Abs(x[i] - Math.Exp(-a[i] * stats.Time)));
            _out.WriteLine($"{name}, tolerance {tolerances[k]:E0}: global error {errors[k]:E3} ({errors[k] / tolerances[k]:F3} x tol); " +
                           $"{stats.AcceptedSteps} accepted, {stats.RejectedSteps} rejected, {stats.GradientEvaluations} gradients");
            Assert.True(errors[k] <= 3 * tolerances[k], $"tolerance {tolerances[k]:E0}: error {errors[k]:E3}");
        }
        // Least-squares slope of log(error) against log(tolerance). Local extrapolation (the higher-order solution is
        // propagated, the lower-order one only estimates) makes the error fall about in proportion to the tolerance.
        var lx = tolerances.Select(Math.Log10).ToArray();
        var ly = errors.Select(Math.Log10).ToArray();
        double mx = lx.Average(), my = ly.Average();
        double slope = lx.Zip(ly).Sum(p => (p.First - mx) * (p.Second - my)) / lx.Sum(v => (v - mx) * (v - mx));
        _out.WriteLine($"{name}: slope of log error against log tolerance {slope:F3}");
        Assert.InRange(slope, 0.6, 1.6);
    }

    [Theory]
    [InlineData("adaptive-bs3-gradient-flow")]
    [InlineData("adaptive-dp5-gradient-flow")]
    public void Started_at_a_diverging_learning_rate_it_converges_on_the_ill_conditioned_quadratic(string name)
    {
        // f = 1/2 sum a_i x_i^2 - b_i x_i, a log-spaced in [1, 1e4]; h = 1 is 5000 times forward Euler's 2/L.
        const int n = 60;
        var a = Enumerable.Range(0, n).Select(i => Math.Pow(10, 4.0 * i / (n - 1))).ToArray();
        var rng = new Random(17);
        var b = Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * 10).ToArray();
        var solution = Enumerable.Range(0, n).Select(i => b[i] / a[i]).ToArray();
        var start = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        double Distance(float[] x) => Math.Sqrt(x.Select((v, i) => (v - solution[i]) * (v - solution[i])).Sum());

        var euler = new GradientFlowEuler(n) { LearningRate = 1f };
        var y = (float[])start.Clone();
        for (int s = 0; s < 20; s++) euler.Step(y, Diagonal(a, b));
        Assert.True(!double.IsFinite(Distance(y)) || Distance(y) > 1e20);

        var opt = OptimizerRegistry.Create(name, n);
        ((ITrainingOptimizer)opt).SetHyperparameter("LearningRate", 1f);
        var x = (float[])start.Clone();
        var stats = Statistics(opt);
        int steps = 0;
        while (stats.Time < 16 && steps < 200_000) { opt.Step(x, Diagonal(a, b)); steps++; }
        double d0 = Distance(start), d = Distance(x);
        _out.WriteLine($"{name} from h = 1 (L = 1e4): |x - x*| {d0:E3} -> {d:E3} at t = {stats.Time:F2}; {stats.AcceptedSteps} accepted, {stats.RejectedSteps} rejected, " +
                       $"{stats.GradientEvaluations} gradients; h now {stats.StepSize:E3} (2/L = 2e-4)");
        double Gap(float[] v) => Enumerable.Range(0, n).Sum(i => 0.5 * a[i] * (v[i] - solution[i]) * (v[i] - solution[i]));
        _out.WriteLine($"   f - f*: {Gap(start):E3} -> {Gap(x):E3}");
        Assert.True(stats.Time >= 16, $"reached only t = {stats.Time}");
        // exp(-16) would leave 1e-6 of the slowest mode; float stops it earlier: with h pinned near the stability limit
        // (about 2.5/L) an update h g of the slow components falls below half an ulp of theta (about 10) once
        // |g| < 2e-3, so they stall at about 1e-3 (docs/dsl.md, "Adaptive time stepping").
        Assert.True(d <= 1e-3 * d0, $"|x - x*| = {d:E3}");
        Assert.True(Gap(x) <= 1e-9 * Gap(start), $"f - f* = {Gap(x):E3}");
        Assert.True(stats.RejectedSteps >= 1);
    }

    [Theory]
    [InlineData("adaptive-bs3-gradient-flow")]
    [InlineData("adaptive-dp5-gradient-flow")]
    [InlineData("armijo-gradient-descent")]
    public void Rejected_attempts_leave_no_trace(string name)
    {
        // A step that is rejected k times and then accepted with h* equals, bit for bit, the step taken from the same state
        // with h = h* given: parameters, checkpoint (state arrays, h, the controller's history, the ODE time) and next h.
        const int n = 200;
        double[] a = { 1, 3, 10, 30, 100 };
        double[] b = { 1, -2, 0.5 };
        LossGradientFunction loss = (p, g) =>
        {
            Diagonal(a, b)(p, g);
            double f = 0;
            for (int i = 0; i < p.Length; i++) f += 0.5 * a[i % a.Length] * p[i] * p[i] - b[i % b.Length] * p[i];
            return (float)f;
        };
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i)).ToArray();
        var first = OptimizerRegistry.Create(name, n);
        ((ITrainingOptimizer)first).SetHyperparameter("LearningRate", 0.01f);
        for (int s = 0; s < 3; s++) first.Step(x, loss);
        var saved = State(first);

        var rejected = OptimizerRegistry.Create(name, n);
        rejected.LoadState(new MemoryStream(saved));
        ((ITrainingOptimizer)rejected).SetHyperparameter("LearningRate", 3f); // far too large: rejected first
        var xr = (float[])x.Clone();
        long before = Statistics(rejected).RejectedSteps;
        rejected.Step(xr, loss);
        var stats = Statistics(rejected);
        Assert.True(stats.RejectedSteps - before >= 1, "the step was not rejected");
        float accepted = (float)stats.LastStepSize;
        Assert.True(accepted < 3f);

        var direct = OptimizerRegistry.Create(name, n);
        direct.LoadState(new MemoryStream(saved));
        ((ITrainingOptimizer)direct).SetHyperparameter("LearningRate", accepted);
        var xd = (float[])x.Clone();
        direct.Step(xd, loss);
        _out.WriteLine($"{name}: {stats.RejectedSteps - before} rejection(s), accepted h = {accepted:E4}");
        Assert.Equal(0, Statistics(direct).RejectedSteps);
        Assert.Equal(xd, xr);
        Assert.Equal(State(direct), State(rejected));
    }

    [Fact]
    public void Too_many_rejections_throw_with_parameters_state_and_step_size_as_before()
    {
        const int n = 50;
        var opt = new AdaptiveBs3GradientFlow(n) { LearningRate = 1f, MaxRejections = 2, AbsoluteTolerance = 1e-9f, RelativeTolerance = 1e-9f };
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        var copy = (float[])x.Clone();
        var state = State(opt);
        var e = Assert.Throws<InvalidOperationException>(() => opt.Step(x, Diagonal(new double[] { 1, 100 })));
        Assert.Contains("rejected 3 times", e.Message);
        Assert.Equal(copy, x);
        Assert.Equal(state, State(opt));
        Assert.Equal(1f, opt.LearningRate);
        Assert.Equal(0, opt.StepCount);
        Assert.Equal(3, opt.Statistics.RejectedSteps); // what happened is counted
    }

    [Fact]
    public void A_gradient_function_that_throws_in_a_later_stage_leaves_everything_as_before()
    {
        const int n = 50;
        var opt = new AdaptiveDp5GradientFlow(n) { LearningRate = 0.05f };
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        for (int s = 0; s < 2; s++) opt.Step(x, Diagonal(new double[] { 1, 10 }));
        var copy = (float[])x.Clone();
        var state = State(opt);
        float h = opt.LearningRate;
        int calls = 0;
        var failing = Diagonal(new double[] { 1, 10 });
        Assert.Throws<InvalidDataException>(() => opt.Step(x, (p, g) => { if (++calls == 4) throw new InvalidDataException("gradient failed"); failing(p, g); }));
        Assert.Equal(copy, x);
        Assert.Equal(state, State(opt));
        Assert.Equal(h, opt.LearningRate);
        Assert.Equal(2, opt.StepCount);
    }

    [Theory]
    [InlineData("adaptive-bs3-gradient-flow")]
    [InlineData("adaptive-dp5-gradient-flow")]
    [InlineData("armijo-gradient-descent")]
    [InlineData("backward-euler-gradient-flow")]
    public void Results_are_bit_identical_for_any_thread_count(string name)
    {
        const int n = 300_001; // above the tests' parallel threshold (65,536): blocks run on all cores
        double[] a = { 0.5, 2, 8, 40, 300 };
        LossGradientFunction loss = (p, g) =>
        {
            Diagonal(a)(p, g);
            double f = 0;
            for (int i = 0; i < p.Length; i++) f += 0.5 * a[i % a.Length] * p[i] * p[i];
            return (float)f;
        };
        (float[] X, byte[] State) Run(int threads)
        {
            var o = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
            o.MaxDegreeOfParallelism = threads;
            o.Groups.Add(0, 200_000, "big");
            o.Groups.Add(200_000, 100_001, "rest");
            o.SetHyperparameter(o.Info.Hyperparameters.First(h => h.IsStepSize).Name, 0.3f); // rejections on the first steps
            var p = Enumerable.Range(0, n).Select(i => MathF.Cos(i * 0.37f) * 2).ToArray();
            for (int s = 0; s < 6; s++) o.Step(p, loss);
            return (p, State(o));
        }
        Assert.True(Runtime.KernelSettings.ParallelThreshold <= 100_001);
        var one = Run(1);
        var all = Run(Math.Max(2, Environment.ProcessorCount));
        Assert.Equal(one.X, all.X);
        Assert.Equal(one.State, all.State);
    }

    [Fact]
    public void Armijo_takes_the_steps_of_textbook_backtracking()
    {
        // Nocedal & Wright, Algorithm 3.1: alpha <- rho alpha until f(x - alpha g) <= f(x) - c alpha |g|^2; then the next
        // step starts from 2 alpha. In double, from the same start, on f = 1/2 sum a_i (x_i - 1)^2 + 1/4 sum x_i^4.
        const int n = 16;
        double[] a = Enumerable.Range(0, n).Select(i => 1.0 + 3 * i).ToArray();
        double F(double[] x) => Enumerable.Range(0, n).Sum(i => 0.5 * a[i] * (x[i] - 1) * (x[i] - 1) + 0.25 * Math.Pow(x[i], 4));
        double[] G(double[] x) => Enumerable.Range(0, n).Select(i => a[i] * (x[i] - 1) + x[i] * x[i] * x[i]).ToArray();
        LossGradientFunction loss = (p, g) =>
        {
            var xd = p.ToArray().Select(v => (double)v).ToArray();
            var gd = G(xd);
            for (int i = 0; i < n; i++) g[i] = (float)gd[i];
            return (float)F(xd);
        };
        var opt = new ArmijoGradientDescent(n) { LearningRate = 1f };
        Assert.Equal(StepControl.Armijo, opt.Info.StepControl);
        var x = Enumerable.Range(0, n).Select(i => (float)(2 * Math.Cos(i))).ToArray();
        var r = x.Select(v => (double)v).ToArray();
        double alpha = 1;
        int matchedSteps = 0;
        for (int step = 0; step < 40; step++)
        {
            opt.Step(x, loss);
            var g = G(r);
            double f = F(r), gg = g.Sum(v => v * v);
            while (F(r.Select((v, i) => v - alpha * g[i]).ToArray()) > f - 1e-4 * alpha * gg) alpha *= 0.5;
            r = r.Select((v, i) => v - alpha * g[i]).ToArray();
            if (opt.Statistics.LastStepSize == alpha) matchedSteps++;
            alpha *= 2;
        }
        double worst = Enumerable.Range(0, n).Max(i => Math.Abs(x[i] - r[i]));
        _out.WriteLine($"Armijo: {matchedSteps}/40 step sizes equal the textbook's; max |x - textbook| = {worst:E2}; f = {F(r):E6}; " +
                       $"{opt.Statistics.RejectedSteps} backtracks, {opt.Statistics.GradientEvaluations} evaluations");
        Assert.Equal(40, matchedSteps);
        Assert.True(worst <= 1e-4, $"max |x - textbook| = {worst:E2}");
        Assert.Equal(opt.Statistics.LastLoss, F(x.Select(v => (double)v).ToArray()), 3);
    }

    [Fact]
    public void Armijo_reaches_1e_8_on_Rosenbrock()
    {
        LossGradientFunction loss = (p, g) =>
        {
            double x = p[0], y = p[1];
            g[0] = (float)(-2 * (1 - x) - 400 * x * (y - x * x));
            g[1] = (float)(200 * (y - x * x));
            return (float)((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x));
        };
        var opt = new ArmijoGradientDescent(2) { LearningRate = 1f };
        var p = new float[] { -1.2f, 1f };
        var g = new float[2];
        int steps = 0;
        while (loss(p, g) >= 1e-8f && steps < 100_000) { opt.Step(p, loss); steps++; }
        _out.WriteLine($"Armijo on Rosenbrock from (-1.2, 1): f < 1e-8 after {steps} steps, {opt.Statistics.GradientEvaluations} evaluations");
        Assert.True(loss(p, g) < 1e-8f, $"f = {loss(p, g):E3} after {steps} steps");
    }

    [Fact]
    public void Armijo_below_the_float_resolution_of_the_loss_accepts_a_step_that_does_not_increase_it()
    {
        // f = 1000 + 1/2 sum x_i^2 from x ~ 1e-3: f rounds to 1000 in float (spacing 6e-5) at every trial, so no trial can
        // show the decrease c h |g|^2 (~1e-10) asked for; the strict condition would fail MaxBacktracks times and throw.
        const int n = 4;
        LossGradientFunction loss = (p, g) =>
        {
            double f = 1000;
            for (int i = 0; i < n; i++) { g[i] = p[i]; f += 0.5 * p[i] * p[i]; }
            return (float)f;
        };
        var opt = new ArmijoGradientDescent(n) { LearningRate = 0.5f };
        var x = new float[] { 1e-3f, -2e-3f, 1.5e-3f, 5e-4f };
        for (int s = 0; s < 100; s++) opt.Step(x, loss);
        Assert.Equal(100, opt.StepCount);
        Assert.Equal(0.5f, opt.LearningRate); // an unresolved decrease does not grow h
        Assert.True(x.All(v => Math.Abs(v) <= 1e-20f), string.Join(", ", x)); // (1 - h)^100: the iterates still converge
    }

    /// <summary>Rewrites a version-3 checkpoint as version 2: without the two controller fields after the skipped-step
    /// count, with the CRC-32 (IEEE, as StateFormat documents it) recomputed.</summary>
    private static byte[] AsVersion2(byte[] v3, string name)
    {
        int at = 12 + 1 + System.Text.Encoding.UTF8.GetByteCount(name) + 8 + 8 + 4 + 1 + 1 + 8;
        var v2 = v3.Take(at).Concat(v3.Skip(at + 16)).ToArray();
        BitConverter.GetBytes(2).CopyTo(v2, 8);
        uint crc = 0xFFFF_FFFFu;
        for (int i = 0; i < v2.Length - 4; i++)
        {
            crc ^= v2[i];
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320u : crc >> 1;
        }
        BitConverter.GetBytes(~crc).CopyTo(v2, v2.Length - 4);
        return v2;
    }

    [Fact]
    public void A_version_2_checkpoint_still_loads()
    {
        const int n = 9;
        var grad = Diagonal(new double[] { 1, 4, 9 });
        var a = new Adam(n) { LearningRate = 0.05f };
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Cos(i)).ToArray();
        for (int s = 0; s < 3; s++) a.Step(x, grad);
        var v2 = AsVersion2(State(a), "adam");
        Assert.Equal(2, BitConverter.ToInt32(v2, 8));
        var b = new Adam(n);
        b.LoadState(new MemoryStream(v2));
        var y = (float[])x.Clone();
        for (int s = 0; s < 3; s++) { a.Step(x, grad); b.Step(y, grad); }
        Assert.Equal(x, y);

        // A controlled scheme loads too, its controller history at the start (err_prev 1e-4) and its time at 0.
        var c = new AdaptiveBs3GradientFlow(n) { LearningRate = 0.1f };
        for (int s = 0; s < 3; s++) c.Step(x, grad);
        var d = new AdaptiveBs3GradientFlow(n);
        d.LoadState(new MemoryStream(AsVersion2(State(c), "adaptive-bs3-gradient-flow")));
        Assert.Equal(3, d.StepCount);
        Assert.Equal(c.LearningRate, d.LearningRate);
        Assert.Equal(0, d.Statistics.Time);
        Assert.True(c.Statistics.Time > 0);
    }

    [Fact]
    public void Misuse_is_a_clear_exception_with_nothing_changed()
    {
        const int n = 8;
        var x = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        var copy = (float[])x.Clone();

        var armijo = new ArmijoGradientDescent(n);
        var e = Assert.Throws<InvalidOperationException>(() => armijo.Step(x, Diagonal(new double[] { 1 })));
        Assert.Contains("needs the loss", e.Message);
        Assert.Equal(copy, x);
        Assert.Equal(0, armijo.StepCount);

        var bs3 = new AdaptiveBs3GradientFlow(n);
        bs3.SetSchedule("LearningRate", Schedule.Constant());
        e = Assert.Throws<InvalidOperationException>(() => bs3.Step(x, Diagonal(new double[] { 1 })));
        Assert.Contains("cannot also follow a schedule", e.Message);
        bs3.SetSchedule("LearningRate", null);
        bs3.Groups.Add(0, 4, "head")["LearningRate"] = 0.5f;
        e = Assert.Throws<InvalidOperationException>(() => bs3.Step(x, Diagonal(new double[] { 1 })));
        Assert.Contains("cannot override it", e.Message);
        Assert.Equal(copy, x);
        Assert.Equal(0, bs3.StepCount);
        Assert.False(bs3 is ISingleGradientOptimizer);
    }
}
