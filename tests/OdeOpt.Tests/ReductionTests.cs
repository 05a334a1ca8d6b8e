using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace OdeOpt.Tests;

/// <summary>LAMB and LARS against double-precision references written from their papers' algorithms, with one parameter
/// group per tensor; the reductions behind them: per group, independent of the thread count, undone with a failed step.</summary>
public partial class ReductionTests
{
    private readonly ITestOutputHelper _out;
    public ReductionTests(ITestOutputHelper output) => _out = output;

    // Two "tensors" of different sizes and scales: [0, 37) around 1, [37, 1037) around 0.01.
    private static readonly (int Offset, int Count)[] Tensors = { (0, 37), (37, 1000) };
    private const int N = 1037;

    private static double[] Start()
    {
        var x = new double[N];
        for (int i = 0; i < N; i++) x[i] = i < 37 ? 1.0 + 0.5 * Math.Cos(0.7 * i) : 0.01 * Math.Sin(1.3 * i) + 0.005;
        return x;
    }

    /// <summary>A separable, non-quadratic loss: g_i = k_i (x_i - a_i) + 0.05 sin(3 x_i).</summary>
    private static double Grad(int i, double x)
    {
        double k = 1 + i % 5, a = i < 37 ? -0.3 + 0.02 * i : 0.02 * Math.Cos(i);
        return k * (x - a) + 0.05 * Math.Sin(3 * x);
    }

    private static void Gradient(ReadOnlySpan<float> p, Span<float> g)
    {
        for (int i = 0; i < p.Length; i++) g[i] = (float)Grad(i, p[i]);
    }

    private static double Norm(double[] x, int offset, int count)
    {
        double s = 0;
        for (int i = offset; i < offset + count; i++) s += x[i] * x[i];
        return Math.Sqrt(s);
    }

    private static double MaxRelative(float[] ours, double[] reference)
    {
        double err = 0, scale = 0;
        for (int i = 0; i < ours.Length; i++) { err = Math.Max(err, Math.Abs(ours[i] - reference[i])); scale = Math.Max(scale, Math.Abs(reference[i])); }
        return err / scale;
    }

    private static double MaxTravel(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    // ------------------------------------------------------------------ references from the papers

    private sealed record LambOptions(double Lr, double Beta1, double Beta2, double Eps, double Wd);

    /// <summary>LAMB, Algorithm 2 of You et al. (ICLR 2020), per layer, phi = identity, trust ratio 1 when a norm is 0.</summary>
    private static double[] LambReference(int steps, Func<int, LambOptions> optionsOfLayer, (int Offset, int Count)[] layers)
    {
        var x = Start();
        var m = new double[N];
        var v = new double[N];
        for (int t = 1; t <= steps; t++)
        {
            var g = new double[N];
            for (int i = 0; i < N; i++) g[i] = Grad(i, x[i]);
            for (int l = 0; l < layers.Length; l++)
            {
                var o = optionsOfLayer(l);
                var (off, cnt) = layers[l];
                var r = new double[cnt];
                for (int k = 0; k < cnt; k++)
                {
                    int i = off + k;
                    m[i] = o.Beta1 * m[i] + (1 - o.Beta1) * g[i];
                    v[i] = o.Beta2 * v[i] + (1 - o.Beta2) * g[i] * g[i];
                    double mHat = m[i] / (1 - Math.Pow(o.Beta1, t)), vHat = v[i] / (1 - Math.Pow(o.Beta2, t));
                    r[k] = mHat / (Math.Sqrt(vHat) + o.Eps) + o.Wd * x[i];
                }
                double xNorm = Norm(x, off, cnt), rNorm = Math.Sqrt(r.Sum(e => e * e));
                double ratio = xNorm > 0 && rNorm > 0 ? xNorm / rNorm : 1;
                for (int k = 0; k < cnt; k++) x[off + k] -= o.Lr * ratio * r[k];
            }
        }
        return x;
    }

    private sealed record LarsOptions(double Lr, double Momentum, double Wd, double Eta);

    /// <summary>LARS, Algorithm 1 of You, Gitman, Ginsburg (2017), per layer; local rate 1 when a norm is 0.</summary>
    private static double[] LarsReference(int steps, Func<int, LarsOptions> optionsOfLayer, (int Offset, int Count)[] layers)
    {
        var w = Start();
        var vel = new double[N];
        for (int t = 1; t <= steps; t++)
        {
            var g = new double[N];
            for (int i = 0; i < N; i++) g[i] = Grad(i, w[i]);
            for (int l = 0; l < layers.Length; l++)
            {
                var o = optionsOfLayer(l);
                var (off, cnt) = layers[l];
                double wNorm = Norm(w, off, cnt), gNorm = Norm(g, off, cnt);
                double local = wNorm > 0 && gNorm > 0 ? o.Eta * wNorm / (gNorm + o.Wd * wNorm) : 1;
                for (int i = off; i < off + cnt; i++)
                {
                    vel[i] = o.Momentum * vel[i] + o.Lr * local * (g[i] + o.Wd * w[i]);
                    w[i] -= vel[i];
                }
            }
        }
        return w;
    }

    private static float[] Run(IOptimizer opt, int steps)
    {
        var p = Start().Select(d => (float)d).ToArray();
        for (int s = 0; s < steps; s++) opt.Step(p, Gradient);
        return p;
    }

    private static void OneGroupPerTensor(ITrainingOptimizer opt)
    {
        foreach (var (offset, count) in Tensors) opt.Groups.Add(offset, count, "tensor at " + offset);
    }

    // ------------------------------------------------------------------ LAMB and LARS

    [Fact]
    public void Lamb_matches_Algorithm_2_with_one_group_per_tensor_for_200_steps()
    {
        const int steps = 200;
        var opt = new Lamb(N) { LearningRate = 0.004f, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f, WeightDecay = 0.05f };
        OneGroupPerTensor(opt);
        opt.Groups[1]["WeightDecay"] = 0.2f;
        opt.Groups[1]["LearningRate"] = 0.002f;
        LambOptions Options(int l) => l == 0 ? new(0.004f, 0.8f, 0.99f, 1e-6f, 0.05f) : new(0.002f, 0.8f, 0.99f, 1e-6f, 0.2f);
        var reference = LambReference(steps, Options, Tensors);
        var ours = Run(opt, steps);
        double error = MaxRelative(ours, reference);
        _out.WriteLine($"lamb: max |x - ref| / max |ref| = {error:E3} over {steps} steps; travel {MaxTravel(Start(), reference):G4}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(MaxTravel(Start(), reference) > 0.1);
        // The per-tensor trust ratio matters: one group over everything is another trajectory.
        var global = LambReference(steps, Options, new[] { (0, N) });
        Assert.True(MaxTravel(global, reference) > 1e-2);
    }

    [Fact]
    public void Lars_matches_Algorithm_1_with_one_group_per_tensor_for_200_steps()
    {
        const int steps = 200;
        var opt = new Lars(N) { LearningRate = 0.5f, Momentum = 0.8f, WeightDecay = 0.05f, TrustCoefficient = 0.02f };
        OneGroupPerTensor(opt);
        opt.Groups[0]["TrustCoefficient"] = 0.05f;
        LarsOptions Options(int l) => l == 0 ? new(0.5f, 0.8f, 0.05f, 0.05f) : new(0.5f, 0.8f, 0.05f, 0.02f);
        var reference = LarsReference(steps, Options, Tensors);
        var ours = Run(opt, steps);
        double error = MaxRelative(ours, reference);
        _out.WriteLine($"lars: max |x - ref| / max |ref| = {error:E3} over {steps} steps; travel {MaxTravel(Start(), reference):G4}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.True(MaxTravel(Start(), reference) > 0.1);
        // The per-tensor local rate matters: one group over everything is another trajectory (both approach the same
        // minimum, so compare part-way).
        Assert.True(MaxTravel(LarsReference(20, Options, new[] { (0, N) }), LarsReference(20, Options, Tensors)) > 1e-2);
    }

    [Fact]
    public void Info_reports_the_reduction_pass_in_the_traffic()
    {
        var lamb = ((IOptimizer)new Lamb(4)).Info;
        var lars = ((IOptimizer)new Lars(4)).Info;
        _out.WriteLine($"lamb: {lamb.GradientEvaluationsPerStep} gradient(s), {lamb.BytesPerParameterPerStep} bytes; lars: {lars.GradientEvaluationsPerStep} gradient(s), {lars.BytesPerParameterPerStep} bytes");
        Assert.Equal(1, lamb.GradientEvaluationsPerStep);
        Assert.Equal(1, lars.GradientEvaluationsPerStep);
        Assert.Equal(16 + 28, lamb.BytesPerParameterPerStep); // reduction pass reads p, g, m, v; the step reads them and writes p, m, v
        Assert.Equal(8 + 20, lars.BytesPerParameterPerStep);  // reduction pass reads p, g; the step reads p, g, v and writes p, v
    }

    [Fact]
    public void Edge_cases_zero_norms_give_a_trust_ratio_of_one()
    {
        // theta = 0: ||theta|| = 0, ratio 1, so LAMB takes the plain step -lr r (r = m^ / (sqrt(v^) + eps) = g / (|g| + eps) at t = 1).
        var lamb = new Lamb(3) { LearningRate = 0.1f, WeightDecay = 0.5f, Epsilon = 0 };
        var p = new float[3];
        lamb.Step(p, new float[] { 2, -4, 0.5f });
        Assert.Equal(new[] { -0.1f, 0.1f, -0.1f }, p);
        // g = 0: ||g|| = 0, LARS's local rate is 1: v = lr wd w, w -= v.
        var lars = new Lars(2) { LearningRate = 0.1f, WeightDecay = 0.5f, Momentum = 0.9f };
        var w = new float[] { 1, -2 };
        lars.Step(w, new float[2]);
        Assert.Equal(1 - 0.1f * 0.5f * 1, w[0], 6);
        Assert.Equal(-2 + 0.1f * 0.5f * 2, w[1], 6);
    }

    // ------------------------------------------------------------------ the reductions themselves

    [Theory]
    [InlineData("lamb")]
    [InlineData("lars")]
    public void A_groups_reduction_sees_only_its_group(string name)
    {
        float[] Run(double scaleOfSecond)
        {
            var opt = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
            OneGroupPerTensor(opt);
            var p = Start().Select((d, i) => (float)(i >= 37 ? d * scaleOfSecond : d)).ToArray();
            for (int s = 0; s < 20; s++) opt.Step(p, Gradient);
            return p;
        }
        var a = Run(1);
        var b = Run(30);
        Assert.Equal(a.Take(37).ToArray(), b.Take(37).ToArray());   // tensor 1 bit-identical
        Assert.NotEqual(a.Skip(37).ToArray(), b.Skip(37).ToArray()); // tensor 2 did change
        // Without groups the norm is over everything, and changing tensor 2 changes tensor 1's step.
        var whole1 = OptimizerRegistry.Create(name, N);
        var whole2 = OptimizerRegistry.Create(name, N);
        var p1 = Start().Select(d => (float)d).ToArray();
        var p2 = Start().Select((d, i) => (float)(i >= 37 ? d * 30 : d)).ToArray();
        for (int s = 0; s < 20; s++) { whole1.Step(p1, Gradient); whole2.Step(p2, Gradient); }
        Assert.NotEqual(p1.Take(37).ToArray(), p2.Take(37).ToArray());
    }

    [Theory]
    [InlineData("lamb")]
    [InlineData("lars")]
    [InlineData("test-normalized-flow-heun")]
    [InlineData("test-max-sum")]
    public void Results_are_bit_identical_for_any_thread_count(string name)
    {
        const int n = 300_001; // above the tests' parallel threshold (65,536): blocks run on all cores
        float[] Run(int threads)
        {
            var o = (ITrainingOptimizer)OptimizerRegistry.Create(name, n);
            o.MaxDegreeOfParallelism = threads;
            o.Groups.Add(0, 200_000, "big");
            o.Groups.Add(200_000, 100_001, "rest");
            var p = Enumerable.Range(0, n).Select(i => MathF.Cos(i * 0.37f) * 2).ToArray();
            for (int s = 0; s < 4; s++) o.Step(p, (x, g) => { for (int i = 0; i < x.Length; i++) g[i] = (1 + i % 7) * 0.1f * (x[i] - 0.5f) + 0.01f * MathF.Sin(x[i]); });
            return p;
        }
        Assert.True(Runtime.KernelSettings.ParallelThreshold <= 100_001);
        Assert.Equal(Run(1), Run(Environment.ProcessorCount));
    }

    [Fact]
    public void A_group_spanning_two_segments_after_a_change_of_groups_is_reduced_whole()
    {
        // Three steps with one group per tensor (different learning rates), then no groups: at the step after the change the
        // single piece spans the two old segments (their previous uniforms differ) and its norms must be over everything.
        var opt = new Lamb(N) { LearningRate = 0.01f };
        OneGroupPerTensor(opt);
        opt.Groups[1]["LearningRate"] = 0.003f;
        var p = Start().Select(d => (float)d).ToArray();
        for (int s = 0; s < 3; s++) opt.Step(p, Gradient);
        opt.Groups.Clear();
        for (int s = 0; s < 7; s++) opt.Step(p, Gradient);

        var x = Start();
        var m = new double[N];
        var v = new double[N];
        for (int t = 1; t <= 10; t++)
        {
            var layers = t <= 3 ? Tensors : new[] { (0, N) };
            var g = Enumerable.Range(0, N).Select(i => Grad(i, x[i])).ToArray();
            foreach (var (off, cnt) in layers)
            {
                double lr = t <= 3 && off == 37 ? 0.003f : 0.01f;
                var r = new double[cnt];
                for (int k = 0; k < cnt; k++)
                {
                    int i = off + k;
                    m[i] = 0.9f * m[i] + (1 - 0.9f) * g[i];
                    v[i] = 0.999f * v[i] + (1 - 0.999f) * g[i] * g[i];
                    r[k] = m[i] / (1 - Math.Pow(0.9f, t)) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999f, t))) + 1e-6f) + 0.01f * x[i];
                }
                double ratio = Norm(x, off, cnt) / Math.Sqrt(r.Sum(e => e * e));
                for (int k = 0; k < cnt; k++) x[off + k] -= lr * ratio * r[k];
            }
        }
        double error = MaxRelative(p, x);
        _out.WriteLine($"after a change of groups: {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
    }

    [Fact]
    public void Normalized_flow_under_Heun_matches_its_reference_per_group()
    {
        // Two gradients per step: the norm at stage 1 (pass 1) and at stage 2 (pass 2, at the Euler point).
        var opt = new NormalizedFlowHeun(N) { H = 0.02f };
        OneGroupPerTensor(opt);
        var ours = Run(opt, 100);
        var x = Start();
        for (int t = 0; t < 100; t++)
        {
            foreach (var (off, cnt) in Tensors)
            {
                var g1 = Enumerable.Range(off, cnt).Select(i => Grad(i, x[i])).ToArray();
                double n1 = Math.Sqrt(g1.Sum(e => e * e));
                var y = Enumerable.Range(0, cnt).Select(k => x[off + k] - 0.02f * g1[k] / n1).ToArray();
                var g2 = Enumerable.Range(0, cnt).Select(k => Grad(off + k, y[k])).ToArray();
                double n2 = Math.Sqrt(g2.Sum(e => e * e));
                for (int k = 0; k < cnt; k++) x[off + k] -= 0.02f / 2 * (g1[k] / n1 + g2[k] / n2);
            }
        }
        double error = MaxRelative(ours, x);
        _out.WriteLine($"normalized flow, Heun: {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        Assert.Equal(2, ((IOptimizer)opt).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void An_implicit_part_reads_the_norm_of_a_stage_value_solved_before_it()
    {
        var opt = new NormalizedMomentum(N) { H = 0.03f, A = 4f };
        OneGroupPerTensor(opt);
        var ours = Run(opt, 100);
        var x = Start();
        var m = new double[N];
        for (int t = 0; t < 100; t++)
        {
            var g = Enumerable.Range(0, N).Select(i => Grad(i, x[i])).ToArray();
            for (int i = 0; i < N; i++) m[i] += 0.03f * 4f * (g[i] - m[i]);
            foreach (var (off, cnt) in Tensors)
            {
                double norm = Norm(m, off, cnt);
                for (int i = off; i < off + cnt; i++) x[i] -= 0.03f * m[i] / norm;
            }
        }
        double error = MaxRelative(ours, x);
        _out.WriteLine($"normalized momentum (implicit reader): {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
    }

    [Fact]
    public void MaxAbs_and_Sum_kinds_match_their_reference()
    {
        var opt = new MaxSumFlow(N) { H = 0.02f, C = 0.001f };
        OneGroupPerTensor(opt);
        var ours = Run(opt, 100);
        var x = Start();
        for (int t = 0; t < 100; t++)
        {
            var g = Enumerable.Range(0, N).Select(i => Grad(i, x[i])).ToArray();
            foreach (var (off, cnt) in Tensors)
            {
                double max = Enumerable.Range(off, cnt).Max(i => Math.Abs(g[i])), sum = Enumerable.Range(off, cnt).Sum(i => g[i]);
                for (int i = off; i < off + cnt; i++) x[i] += 0.02f * (-g[i] / max - 0.001f * sum);
            }
        }
        double error = MaxRelative(ours, x);
        _out.WriteLine($"max-abs and sum: {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
    }

    [Fact]
    public void A_reduction_of_a_constant_counts_the_group()
    {
        var opt = new CenteredFlow(N) { H = 0.03f };
        OneGroupPerTensor(opt);
        var ours = Run(opt, 50);
        var x = Start();
        for (int t = 0; t < 50; t++)
        {
            var g = Enumerable.Range(0, N).Select(i => Grad(i, x[i])).ToArray();
            foreach (var (off, cnt) in Tensors)
            {
                double mean = Enumerable.Range(off, cnt).Sum(i => g[i]) / cnt;
                for (int i = off; i < off + cnt; i++) x[i] -= 0.03f * (g[i] - mean);
            }
        }
        double error = MaxRelative(ours, x);
        _out.WriteLine($"centered flow (count as a Sum of 1): {error:E3}");
        Assert.True(error <= 1e-5, $"error {error:E3}");
        // The group means are conserved: the update sums to 0 over each group.
        foreach (var (off, cnt) in Tensors)
            Assert.Equal(Enumerable.Range(off, cnt).Sum(i => Start()[i]), Enumerable.Range(off, cnt).Sum(i => (double)ours[i]), 3);
    }

    [Fact]
    public void MaxAbs_propagates_NaN()
    {
        var opt = new MaxSumFlow(4) { C = 0 };
        var p = new float[] { 1, 2, 3, 4 };
        opt.Step(p, new float[] { 1, float.NaN, 1, 1 });
        Assert.All(p, e => Assert.True(float.IsNaN(e)));
    }

    // ------------------------------------------------------------------ the step transaction

    private static byte[] State(IOptimizer o)
    {
        var s = new MemoryStream();
        o.SaveState(s);
        return s.ToArray();
    }

    [Theory]
    [InlineData("lamb", 1)]
    [InlineData("lars", 1)]
    [InlineData("test-normalized-flow-heun", 1)]
    [InlineData("test-normalized-flow-heun", 2)]
    public void A_failing_gradient_leaves_parameters_state_and_step_count_as_before(string name, int failAt)
    {
        var opt = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
        OneGroupPerTensor(opt);
        var p = Start().Select(d => (float)d).ToArray();
        for (int s = 0; s < 3; s++) opt.Step(p, Gradient);
        var before = (float[])p.Clone();
        var state = State(opt);
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => opt.Step(p, (x, g) =>
        {
            if (++calls == failAt) throw new InvalidOperationException("boom");
            Gradient(x, g);
        }));
        Assert.Equal(failAt, calls);
        Assert.Equal(before, p);
        Assert.Equal(3, opt.StepCount);
        Assert.Equal(state, State(opt));
        // And it continues as if nothing had happened.
        var twin = (ITrainingOptimizer)OptimizerRegistry.Create(name, N);
        OneGroupPerTensor(twin);
        twin.LoadState(new MemoryStream(state));
        var q = (float[])before.Clone();
        opt.Step(p, Gradient);
        twin.Step(q, Gradient);
        Assert.Equal(q, p);
    }
}
