using System;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>Parameter groups, schedules, gradient clipping and the non-finite policy, each against a reference
/// written out here (torch's documented formulas).</summary>
public class TrainingTests
{
    private static void Gradient(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = (1 + i % 5) * (x[i] - 0.3f) + 0.2f * MathF.Sin(3 * x[i]);
    }

    private static float[] Start(int n) => Enumerable.Range(0, n).Select(i => 1.5f * MathF.Cos(0.7f * i)).ToArray();

    private static byte[] State(IOptimizer opt)
    {
        var ms = new MemoryStream();
        opt.SaveState(ms);
        return ms.ToArray();
    }

    /// <summary>Adam as torch documents it, in float64, with a per-element learning rate and per-step learning-rate
    /// factor, and an optional transform of the gradient.</summary>
    private static double[] AdamReference(float[] start, int steps, Func<int, long, double> lr, Func<double[], double[]>? transform = null,
        double b1 = 0.9, double b2 = 0.999, double eps = 1e-8)
    {
        int n = start.Length;
        var x = start.Select(v => (double)v).ToArray();
        var m = new double[n];
        var v = new double[n];
        var gf = new float[n];
        for (int t = 1; t <= steps; t++)
        {
            Gradient(x.Select(d => (float)d).ToArray(), gf);
            var g = gf.Select(f => (double)f).ToArray();
            if (transform is not null) g = transform(g);
            for (int i = 0; i < n; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                x[i] -= lr(i, t) * (m[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(b2, t))) + eps);
            }
        }
        return x;
    }

    private static float[] Run(ITrainingOptimizer opt, int steps)
    {
        var p = Start(opt.ParameterCount);
        for (int s = 0; s < steps; s++) opt.Step(p, Gradient);
        return p;
    }

    [Fact]
    public void A_parameter_group_uses_its_own_hyperparameters()
    {
        const int n = 37;
        var opt = new Adam(n) { LearningRate = 0.01f };
        var head = opt.Groups.Add(10, 12, "head");
        head["LearningRate"] = 0.05f;
        var p = Run(opt, 60);
        var reference = AdamReference(Start(n), 60, (i, _) => i >= 10 && i < 22 ? 0.05f : 0.01f);
        Assert.True(Problems.MaxRelativeError(p, reference) <= 1e-5);
        // The group really differs: the same run without it is far from the reference inside the group.
        var plain = Run(new Adam(n) { LearningRate = 0.01f }, 60);
        Assert.True(Math.Abs(plain[15] - reference[15]) > 1e-3);
    }

    [Fact]
    public void Bad_groups_throw_before_anything_changes()
    {
        const int n = 20;
        var opt = new ImexTrapezoidalAdam(n);
        var p = Start(n);
        opt.Step(p, Gradient);
        var before = State(opt);
        var pBefore = (float[])p.Clone();

        opt.Groups.Add(15, 10);
        Assert.Contains("past", Assert.Throws<ArgumentException>(() => opt.Step(p, Gradient)).Message);
        opt.Groups.Clear();
        opt.Groups.Add(0, 10);
        opt.Groups.Add(5, 10);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => opt.Step(p, Gradient)).Message);
        opt.Groups.Clear();
        opt.Groups.Add(0, 10)["Momentum"] = 0.5f;
        Assert.Contains("Momentum", Assert.Throws<ArgumentException>(() => opt.Step(p, Gradient)).Message);
        opt.Groups.Clear();
        opt.Groups.Add(0, 10, "decay")["Beta1"] = 1.5f;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(p, Gradient));
        Assert.Contains("decay", e.Message);

        Assert.Equal(pBefore, p);
        opt.Groups.Clear();
        Assert.Equal(before, State(opt));
    }

    [Fact]
    public void Schedules_follow_the_documented_formulas()
    {
        Assert.Equal(0.1 * Math.Pow(0.5, 2), Schedule.Step(10, 0.5).Evaluate(25, 0.1), 12);
        Assert.Equal(0.1 * Math.Pow(0.9, 4), Schedule.Exponential(0.9).Evaluate(5, 0.1), 12);
        // CosineAnnealingLR: eta_min + (eta_max - eta_min)(1 + cos(pi T_cur / T_max)) / 2 with T_cur = t - 1.
        Assert.Equal(0.01 + 0.09 * (1 + Math.Cos(Math.PI * 30 / 100)) / 2, Schedule.Cosine(100, 0.01).Evaluate(31, 0.1), 12);
        Assert.Equal(0.01, Schedule.Cosine(100, 0.01).Evaluate(500, 0.1), 12);
        Assert.Equal(0.1 * 3 / 10, Schedule.WarmupCosine(10, 110).Evaluate(3, 0.1), 12);
        Assert.Equal(0.1 * (1 + Math.Cos(Math.PI * 50 / 100)) / 2, Schedule.WarmupCosine(10, 110).Evaluate(60, 0.1), 12);
        var sigma = Schedule.Piecewise((1, 5), (101, 2));
        Assert.Equal(5, sigma.Evaluate(1, 0), 12);
        Assert.Equal(3.5, sigma.Evaluate(51, 0), 12);
        Assert.Equal(2, sigma.Evaluate(1000, 0), 12);
        Assert.Throws<ArgumentException>(() => Schedule.Piecewise((1, 5), (1, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Cosine(0));
    }

    [Fact]
    public void A_scheduled_learning_rate_is_used_step_by_step()
    {
        const int n = 16;
        var opt = new Adam(n) { LearningRate = 0.05f };
        opt.SetSchedule("LearningRate", Schedule.Cosine(40, 0.001));
        var p = Run(opt, 50);
        var reference = AdamReference(Start(n), 50, (_, t) => (float)Schedule.Cosine(40, 0.001).Evaluate(t, 0.05f));
        Assert.True(Problems.MaxRelativeError(p, reference) <= 1e-5);
        Assert.Equal((float)Schedule.Cosine(40, 0.001).Evaluate(7, 0.05f), opt.GetEffectiveHyperparameter("LearningRate", 7));
    }

    [Fact]
    public void A_schedule_that_leaves_the_range_throws_before_anything_changes()
    {
        var opt = new Adam(8) { LearningRate = 0.01f };
        var p = Start(8);
        opt.Step(p, Gradient);
        opt.SetSchedule("LearningRate", Schedule.FromFunction((t, v) => t >= 2 ? -v : v));
        var before = State(opt);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(p, Gradient));
        Assert.Contains("step 2", e.Message);
        Assert.Equal(before, State(opt));
    }

    [Fact]
    public void The_sigma_schedule_of_super_acceleration_drives_the_look_ahead()
    {
        var golden = Golden.Load();
        int n = golden.X0.Length;
        var opt = new LookAheadMomentum(n) { Eta = 0.05f, Mu = 0.9f };
        var schedule = Schedule.Piecewise((1, 5), (41, 2));
        opt.SetSchedule("Sigma", schedule);
        var p = Problems.ToFloat(golden.X0);
        var grad = Problems.ToFloat(golden.Gradient, n);
        for (int s = 0; s < 60; s++) opt.Step(p, grad);
        var theta = new float[n];
        opt.GetIterate(p, theta);

        var x = (double[])golden.X0.Clone();
        var m = new double[n];
        var g = new double[n];
        for (int t = 1; t <= 60; t++)
        {
            double sigma = (float)schedule.Evaluate(t, 0);
            golden.Gradient(x.Select((v, i) => v + sigma * m[i]).ToArray(), g);
            for (int i = 0; i < n; i++) { m[i] = 0.9f * m[i] - 0.05f * g[i]; x[i] += m[i]; }
        }
        Assert.True(Problems.MaxRelativeError(theta, x) <= 1e-5);
    }

    [Fact]
    public void Clipping_by_norm_and_by_value_match_torch()
    {
        const int n = 24;
        var opt = new Adam(n) { LearningRate = 0.02f };
        opt.GradientClipNorm = 1.5;
        opt.GradientClipValue = 0.2;
        var p = Run(opt, 40);
        // torch: clip_grad_norm_(max_norm=1.5) then clip_grad_value_(0.2).
        var reference = AdamReference(Start(n), 40, (_, _) => 0.02f, g =>
        {
            double norm = Math.Sqrt(g.Sum(v => v * v));
            double c = Math.Min(1, 1.5 / (norm + 1e-6));
            return g.Select(v => Math.Clamp(v * c, -0.2, 0.2)).ToArray();
        });
        Assert.True(Problems.MaxRelativeError(p, reference) <= 1e-5, $"error {Problems.MaxRelativeError(p, reference):E3}");
        Assert.False(double.IsNaN(opt.LastGradientNorm));
        Assert.True(Problems.MaxRelativeError(Run(new Adam(n) { LearningRate = 0.02f }, 40), reference) > 1e-3);
    }

    [Fact]
    public void The_gradient_norm_is_reported()
    {
        const int n = 300_000;
        var opt = new Sgd(n) { LearningRate = 0.001f, GradientClipNorm = 1e30 };
        var p = Start(n);
        var g = new float[n];
        Gradient(p, g);
        double expected = Math.Sqrt(g.Sum(v => (double)v * v));
        opt.Step(p, g);
        Assert.Equal(expected, opt.LastGradientNorm, expected * 1e-12);
    }

    [Fact]
    public void A_non_finite_gradient_throws_before_anything_changes()
    {
        var opt = new ImexTrapezoidalAdam(10) { NonFiniteGradients = NonFiniteGradientPolicy.Throw };
        var p = Start(10);
        for (int s = 0; s < 3; s++) opt.Step(p, Gradient);
        var before = State(opt);
        var pBefore = (float[])p.Clone();
        var g = new float[10];
        Gradient(p, g);
        g[7] = float.PositiveInfinity;
        Assert.Throws<NotFiniteNumberException>(() => opt.Step(p, g));
        g[7] = float.NaN;
        Assert.Throws<NotFiniteNumberException>(() => opt.Step(p, (x, gr) => { Gradient(x, gr); gr[3] = float.NaN; }));
        Assert.Equal(pBefore, p);
        Assert.Equal(before, State(opt));
        Assert.Equal(3, opt.StepCount);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("imex-trapezoidal-adam")]
    [InlineData("test-rk4-gradient-flow")]
    public void SkipStep_leaves_everything_unchanged_and_counts(string name)
    {
        const int n = 12;
        var a = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        var b = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        a.NonFiniteGradients = NonFiniteGradientPolicy.SkipStep;
        var pa = Start(n);
        var pb = Start(n);
        for (int s = 0; s < 4; s++) { a.Step(pa, Gradient); b.Step(pb, Gradient); }
        var before = State(a);
        var pBefore = (float[])pa.Clone();
        int calls = 0;
        a.Step(pa, (x, g) => { Gradient(x, g); if (calls++ == 0) g[5] = float.NaN; });
        Assert.Equal(1, a.SkippedSteps);
        Assert.Equal(pBefore, pa);
        Assert.Equal(4, a.StepCount);
        // Resuming is the same as never having seen the bad gradient.
        for (int s = 0; s < 4; s++) { a.Step(pa, Gradient); b.Step(pb, Gradient); }
        Assert.Equal(pb, pa);
        _ = before;
    }

    [Theory]
    [InlineData("test-rk4-gradient-flow", 2)]
    [InlineData("test-rk4-gradient-flow", 4)]
    [InlineData("imex-midpoint-adam", 2)]
    [InlineData("newmark-average-acceleration", 2)]
    [InlineData("imex-ars233-adam", 2)]
    [InlineData("imex-ars233-adam", 3)]
    [InlineData("gradient-flow-tvd-rk3", 3)]
    [InlineData("gradient-flow-heun", 2)]
    public void A_failure_at_a_later_evaluation_of_a_step_leaves_parameters_state_and_step_count_as_before(string name, int failing)
    {
        const int n = 12;
        var a = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        var b = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        Assert.True(a.Info.GradientEvaluationsPerStep >= failing);
        var pa = Start(n);
        var pb = Start(n);
        for (int s = 0; s < 3; s++) { a.Step(pa, Gradient); b.Step(pb, Gradient); }
        var before = State(a);
        var pBefore = (float[])pa.Clone();

        // The caller's gradient function throws at evaluation `failing` of the step.
        int calls = 0;
        var e = Assert.Throws<InvalidOperationException>(() => a.Step(pa, (x, g) => { if (++calls == failing) throw new InvalidOperationException("loss failed"); Gradient(x, g); }));
        Assert.Equal("loss failed", e.Message);
        Assert.Equal(pBefore, pa);
        Assert.Equal(before, State(a));
        Assert.Equal(3, a.StepCount);

        // A non-finite gradient at that evaluation under Throw, then under SkipStep: the whole step is refused or skipped.
        a.NonFiniteGradients = NonFiniteGradientPolicy.Throw;
        calls = 0;
        Assert.Throws<NotFiniteNumberException>(() => a.Step(pa, (x, g) => { Gradient(x, g); if (++calls == failing) g[3] = float.NaN; }));
        Assert.Equal(pBefore, pa);
        a.NonFiniteGradients = NonFiniteGradientPolicy.SkipStep;
        calls = 0;
        a.Step(pa, (x, g) => { Gradient(x, g); if (++calls == failing) g[3] = float.NaN; });
        Assert.Equal(1, a.SkippedSteps);
        Assert.Equal(pBefore, pa);
        Assert.Equal(3, a.StepCount);
        a.NonFiniteGradients = NonFiniteGradientPolicy.Propagate;

        // The same as never having failed, in the closure form over the caller's buffer too.
        var own = new float[n];
        for (int s = 0; s < 3; s++) { a.Step(pa, own, Gradient); b.Step(pb, Gradient); }
        Assert.Equal(pb, pa);
    }

    [Theory]
    [InlineData("test-rk4-gradient-flow", 3)]
    [InlineData("imex-ars233-adam", 2)]
    [InlineData("newmark-average-acceleration", 2)]
    public void A_failure_in_the_very_first_step_leaves_the_optimizer_as_new(string name, int failing)
    {
        // The first step also sets the [Initial] values: it is undone from a whole copy, not from the undo pass.
        const int n = 12;
        var a = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        var fresh = State(OptimizerRegistry.Create(name, n));
        var pa = Start(n);
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => a.Step(pa, (x, g) => { if (++calls == failing) throw new InvalidOperationException("loss failed"); Gradient(x, g); }));
        Assert.Equal(Start(n), pa);
        Assert.Equal(fresh, State(a));
        Assert.Equal(0, a.StepCount);
        var b = OptimizerRegistry.Create(name, n);
        var pb = Start(n);
        for (int s = 0; s < 3; s++) { a.Step(pa, Gradient); b.Step(pb, Gradient); }
        Assert.Equal(pb, pa);
    }

    [Fact]
    public void Info_reports_the_bytes_of_the_fused_undo_copy()
    {
        // What a failure before the last pass would have to put back, from the schemes' own pass structure: RK4 and
        // TVD-RK3 write theta's stage points into the parameter buffer and keep theta_n only until their third pass
        // (one copy of theta); IMEX midpoint Adam updates m and v in its last pass only (theta); Newmark updates the
        // velocity before its last pass (theta and v); ARS(2,3,3) Adam updates m and v at the stages (theta, m, v).
        // Each copy is one 4-byte store in the first pass, which reads all of them anyway.
        Assert.Equal(4, OptimizerRegistry.GetInfo("gradient-flow-rk4").RollbackBytesPerParameter);
        Assert.Equal(4, OptimizerRegistry.GetInfo("gradient-flow-tvd-rk3").RollbackBytesPerParameter);
        Assert.Equal(4, OptimizerRegistry.GetInfo("imex-midpoint-adam").RollbackBytesPerParameter);
        Assert.Equal(8, OptimizerRegistry.GetInfo("newmark-average-acceleration").RollbackBytesPerParameter);
        Assert.Equal(12, OptimizerRegistry.GetInfo("imex-ars233-adam").RollbackBytesPerParameter);
        // One pass per step: nothing is written before the gradient exists.
        Assert.Equal(0, OptimizerRegistry.GetInfo("adam").RollbackBytesPerParameter);
        Assert.Equal(0, OptimizerRegistry.GetInfo("imex-trapezoidal-adam").RollbackBytesPerParameter);
    }

    [Fact]
    public void A_checkpoint_between_steps_holds_zeros_for_arrays_that_carry_nothing_into_the_next_step()
    {
        // RK4's two arrays hold stage sums within a step only: a checkpoint between steps writes them as zeros, and an
        // optimizer loaded from it continues exactly like the one that wrote it.
        const int n = 12;
        var a = OptimizerRegistry.Create("gradient-flow-rk4", n);
        var p = Start(n);
        for (int s = 0; s < 3; s++) a.Step(p, Gradient);
        var saved = State(a);
        var zeros = new byte[2 * n * sizeof(float)];
        Assert.True(saved.AsSpan().IndexOf(zeros) >= 0);
        var b = OptimizerRegistry.Create("gradient-flow-rk4", n);
        b.LoadState(new MemoryStream(saved));
        var q = (float[])p.Clone();
        for (int s = 0; s < 3; s++) { a.Step(p, Gradient); b.Step(q, Gradient); }
        Assert.Equal(p, q);
        Assert.Equal(State(a), State(b));
    }

    [Theory]
    [InlineData("test-rk4-gradient-flow")]
    [InlineData("imex-midpoint-adam")]
    public void With_rollback_off_a_failed_step_is_left_part_way_and_later_steps_say_so_until_Reset(string name)
    {
        const int n = 12;
        var a = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        var b = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
        Assert.True(a.RollbackFailedSteps); // the default
        a.RollbackFailedSteps = false;
        var pa = Start(n);
        var pb = Start(n);
        for (int s = 0; s < 3; s++) { a.Step(pa, Gradient); b.Step(pb, Gradient); }
        var pBefore = (float[])pa.Clone();

        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => a.Step(pa, (x, g) => { if (++calls == 2) throw new InvalidOperationException("loss failed"); Gradient(x, g); }));
        Assert.NotEqual(pBefore, pa); // left at the failed evaluation's point: no copy was taken to undo it
        var e = Assert.Throws<InvalidOperationException>(() => a.Step(pa, Gradient));
        Assert.Contains("RollbackFailedSteps off", e.Message);
        Assert.Contains("loss failed", e.Message);
        Assert.Contains("evaluation 2", e.Message);

        // Reset clears it; so does loading a checkpoint taken before the failure.
        var checkpoint = State(b);
        a.LoadState(new MemoryStream(checkpoint));
        pBefore.CopyTo(pa, 0);
        for (int s = 0; s < 3; s++) { a.Step(pa, Gradient); b.Step(pb, Gradient); }
        Assert.Equal(pb, pa);

        // SkipStep with rollback off: the bad pass is skipped and the next call resumes the step at that pass.
        a.NonFiniteGradients = NonFiniteGradientPolicy.SkipStep;
        calls = 0;
        a.Step(pa, (x, g) => { Gradient(x, g); if (++calls == 2) g[1] = float.NaN; });
        a.Step(pa, Gradient); // finishes the step in progress
        b.Step(pb, Gradient);
        Assert.Equal(pb, pa);
        a.Reset();
        a.Step(pa, Gradient);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("test-rk4-gradient-flow")]
    public void A_second_call_while_a_step_is_in_progress_throws_and_changes_nothing(string name)
    {
        const int n = 12;
        var opt = OptimizerRegistry.Create(name, n);
        var p = Start(n);
        for (int s = 0; s < 2; s++) opt.Step(p, Gradient);
        var before = State(opt);
        var pBefore = (float[])p.Clone();

        // The gradient function calling back into its own optimizer.
        var e = Assert.Throws<InvalidOperationException>(() => opt.Step(p, (x, g) => { Gradient(x, g); opt.SaveState(new MemoryStream()); }));
        Assert.Contains("another call on it is in progress", e.Message);
        Assert.Equal(pBefore, p);
        Assert.Equal(before, State(opt));

        // A second thread while the first waits inside its gradient function.
        using var inside = new System.Threading.ManualResetEventSlim();
        using var release = new System.Threading.ManualResetEventSlim();
        var q = (float[])p.Clone();
        var first = System.Threading.Tasks.Task.Run(() => opt.Step(q, (x, g) => { inside.Set(); release.Wait(); Gradient(x, g); }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        var other = (float[])p.Clone();
        Assert.Throws<InvalidOperationException>(() => opt.Step(other, Gradient));
        Assert.Equal(p, other);
        release.Set();
        first.Wait();
        Assert.Equal(3, opt.StepCount); // the first thread's step completed, the second was refused
    }

    [Fact]
    public void Propagate_lets_NaN_through_like_torch()
    {
        var opt = new Sgd(4) { LearningRate = 0.1f };
        var p = new float[] { 1, 2, 3, 4 };
        opt.Step(p, new float[] { 0, float.NaN, 0, 0 });
        Assert.True(float.IsNaN(p[1]));
        Assert.Equal(1f, p[0]);
    }

    [Fact]
    public void State_with_groups_round_trips_mid_pipeline()
    {
        const int n = 50;
        ImexTrapezoidalAdam Make()
        {
            var o = new ImexTrapezoidalAdam(n) { LearningRate = 0.02f };
            o.SetSchedule("LearningRate", Schedule.Exponential(0.97));
            return o;
        }
        var a = Make();
        a.Groups.Add(3, 20, "middle")["Beta2"] = 0.99f;
        var pa = Start(n);
        for (int s = 0; s < 9; s++) a.Step(pa, Gradient);
        var saved = State(a);
        var pb = (float[])pa.Clone();
        for (int s = 0; s < 6; s++) a.Step(pa, Gradient);

        var b = Make();
        b.LoadState(new MemoryStream(saved));
        Assert.Single(b.Groups);
        Assert.Equal(0.99f, b.Groups[0]["Beta2"]);
        for (int s = 0; s < 6; s++) b.Step(pb, Gradient);
        Assert.Equal(pa, pb);
    }

    [Fact]
    public void Groups_and_clipping_are_bit_identical_for_any_thread_count()
    {
        const int n = 700_003;
        float[] RunWith(int threads)
        {
            var o = new ImexTrapezoidalAdam(n) { LearningRate = 0.01f, MaxDegreeOfParallelism = threads, GradientClipNorm = 50, GradientClipValue = 0.5 };
            o.Groups.Add(100_001, 333_333)["LearningRate"] = 0.002f;
            var p = Start(n);
            for (int s = 0; s < 3; s++) o.Step(p, Gradient);
            return p;
        }
        Assert.Equal(RunWith(1), RunWith(Environment.ProcessorCount));
    }

    [Fact]
    public void Groups_schedules_and_clipping_allocate_nothing_per_step()
    {
        foreach (int n in new[] { 1000, 300_000 })
        {
            var opt = new ImexTrapezoidalAdam(n) { GradientClipNorm = 10, GradientClipValue = 1, NonFiniteGradients = NonFiniteGradientPolicy.SkipStep };
            opt.Groups.Add(10, 100)["LearningRate"] = 0.5e-3f;
            opt.SetSchedule("LearningRate", Schedule.Cosine(1000));
            var p = Start(n);
            var g = new float[n];
            for (int s = 0; s < 3; s++) { Gradient(p, g); opt.Step(p, g); }
            long allocated = long.MaxValue;
            for (int window = 0; window < 5 && allocated != 0; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int s = 0; s < 20; s++) { Gradient(p, g); opt.Step(p, g); }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.True(allocated == 0, $"n={n}: {allocated} bytes in each window of 20 steps");
        }
    }
}
