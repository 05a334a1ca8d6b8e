using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OdeOpt.Optimizers;
using OdeOpt.Runtime;
using Xunit;

namespace OdeOpt.Tests;

/// <summary>What every optimizer guarantees: bad input is rejected before anything changes, a step allocates
/// nothing, results do not depend on the thread count, state round-trips, the registry finds it.</summary>
public class RuntimeTests
{
    /// <summary>Every optimizer the registry knows in this process: the built-ins and the tests' own declarations.</summary>
    public static IEnumerable<object[]> AllOptimizers()
    {
        _ = typeof(Adam).Assembly; // the built-ins' assembly is loaded
        _ = typeof(UnbiasedAdamEuler).Assembly;
        return OptimizerRegistry.Names.Select(n => new object[] { n });
    }

    private static void Quadratic(ReadOnlySpan<float> x, Span<float> g)
    {
        for (int i = 0; i < x.Length; i++) g[i] = (1 + i % 7) * 0.1f * (x[i] - 0.5f) + 0.01f * MathF.Sin(x[i]);
    }

    /// <summary>The loss whose gradient <see cref="Quadratic"/> is: sum (1 + i%7)/20 (x_i - 1/2)^2 - cos(x_i)/100.</summary>
    private static float QuadraticLoss(ReadOnlySpan<float> x, Span<float> g)
    {
        Quadratic(x, g);
        double f = 0;
        for (int i = 0; i < x.Length; i++) f += (1 + i % 7) * 0.05 * (x[i] - 0.5) * (x[i] - 0.5) - 0.01 * Math.Cos(x[i]);
        return (float)f;
    }

    /// <summary>A line search needs the loss: Armijo steps through the loss form, every other scheme through the plain one.</summary>
    private static void StepQuadratic(IOptimizer opt, Span<float> p)
    {
        if (opt.Info.StepControl == StepControl.Armijo) opt.Step(p, QuadraticLoss);
        else opt.Step(p, Quadratic);
    }

    private static float[] Start(int n) => Enumerable.Range(0, n).Select(i => MathF.Cos(i * 0.37f) * 2).ToArray();

    private static byte[] State(IOptimizer opt)
    {
        var ms = new MemoryStream();
        opt.SaveState(ms);
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void The_in_place_closure_form_evaluates_into_the_callers_buffer_and_equals_the_closure_form(string name)
    {
        const int n = 37;
        var a = OptimizerRegistry.Create(name, n);
        var b = OptimizerRegistry.Create(name, n);
        float[] pa = Start(n), pb = Start(n), own = new float[n];
        int calls = 0;
        GradientFunction intoOwn = (x, g) =>
        {
            // The very buffers passed to Step, not copies.
            Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(g), ref own[0]));
            Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x), ref pb[0]));
            calls++;
            Quadratic(x, g);
        };
        LossGradientFunction intoOwnWithLoss = (x, g) => { intoOwn(x, g); return QuadraticLoss(x, g); };
        bool loss = a.Info.StepControl == StepControl.Armijo;
        int expected = 0;
        for (int s = 0; s < 5; s++)
        {
            int before = calls;
            if (loss) a.Step(pa, (LossGradientFunction)((x, g) => { expected++; return QuadraticLoss(x, g); }));
            else a.Step(pa, (x, g) => { expected++; Quadratic(x, g); });
            if (loss) b.Step(pb, own, intoOwnWithLoss);
            else b.Step(pb, own, intoOwn);
            Assert.Equal(expected, calls);
            Assert.True(calls - before >= a.Info.GradientEvaluationsPerStep);
        }
        Assert.Equal(pa, pb);
        Assert.Equal(State(a), State(b));
        Assert.Throws<ArgumentException>(() => b.Step(pb, new float[n - 1], intoOwn));
        Assert.Throws<ArgumentException>(() => b.Step(pb, pb, intoOwn));
        Assert.Throws<ArgumentNullException>(() => b.Step(pb, own, null!));
        Assert.Equal(State(a), State(b));
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Wrong_lengths_and_bad_hyperparameters_throw_before_anything_changes(string name)
    {
        const int n = 33;
        var opt = OptimizerRegistry.Create(name, n);
        var p = Start(n);
        for (int s = 0; s < 3; s++) StepQuadratic(opt, p);
        var before = State(opt);
        var pBefore = (float[])p.Clone();

        Assert.Throws<ArgumentException>(() => opt.Step(new float[n + 1], Quadratic));
        Assert.Throws<ArgumentNullException>(() => opt.Step(p, null!));
        if (opt is ISingleGradientOptimizer single)
        {
            Assert.Throws<ArgumentException>(() => single.Step(p, new float[n - 1]));
            Assert.Throws<ArgumentException>(() => single.Step(new float[n - 1], new float[n]));
            Assert.Throws<ArgumentException>(() => single.Step(p, p));
        }

        var hyper = opt.Info.Hyperparameters[0];
        var property = opt.GetType().GetProperty(hyper.Name)!;
        object old = property.GetValue(opt)!;
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            property.SetValue(opt, bad);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(p, Quadratic));
            Assert.Contains(hyper.Name, e.Message);
            if (opt is ISingleGradientOptimizer s1) Assert.Throws<ArgumentOutOfRangeException>(() => s1.Step(p, new float[n]));
        }
        if (!double.IsNaN(hyper.Min))
        {
            property.SetValue(opt, (float)hyper.Min - 1);
            Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(p, Quadratic));
        }
        property.SetValue(opt, old);

        Assert.Equal(pBefore, p);
        Assert.Equal(before, State(opt));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerRegistry.Create(name, 0));
    }

    [Fact]
    public void Info_is_an_instance_member_of_a_concrete_optimizer_and_StaticInfo_the_same_object()
    {
        var adam = new Adam(3);
        OptimizerInfo info = adam.Info; // CS0176 while Info was static on the concrete class
        Assert.Equal("adam", info.Name);
        Assert.Same(Adam.StaticInfo, info);
        Assert.Same(info, ((IOptimizer)adam).Info);
        Assert.Same(OptimizerRegistry.Create("adam", 3).Info, Adam.StaticInfo);
        Assert.Equal(2, new ImexMidpointAdam(5).Info.GradientEvaluationsPerStep);
    }

    [Fact]
    public void Exclusive_bounds_are_enforced()
    {
        var opt = new Adam(4) { Beta1 = 1f };
        var p = new float[4];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.Step(p, new float[4]));
        Assert.Contains("Beta1", e.Message);
        Assert.Contains("[0, 1)", e.Message);
        opt.Beta1 = 0.99f;
        opt.Step(p, new float[4]);
        Assert.Equal(1, opt.StepCount);
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void A_step_allocates_nothing(string name)
    {
        foreach (int n in new[] { 1000, 300_000 })
        {
            var opt = OptimizerRegistry.Create(name, n);
            var p = Start(n);
            GradientFunction grad = Quadratic;
            LossGradientFunction lossGrad = QuadraticLoss;
            bool loss = opt.Info.StepControl == StepControl.Armijo;
            var g = new float[n];
            for (int s = 0; s < 3; s++) StepQuadratic(opt, p);
            // The runtime itself may allocate once in a while on this thread (tiered JIT call counting, lazily created
            // wait handles), so look at several windows of 40 steps: an allocation per step shows in every window.
            long allocated = long.MaxValue;
            for (int window = 0; window < 5 && allocated != 0; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int s = 0; s < 20; s++) { if (loss) opt.Step(p, lossGrad); else opt.Step(p, grad); }
                for (int s = 0; s < 20; s++) { if (loss) opt.Step(p, g, lossGrad); else opt.Step(p, g, grad); } // the in-place closure form
                if (opt is ISingleGradientOptimizer single)
                    for (int s = 0; s < 20; s++) { Quadratic(p, g); single.Step(p, g); }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.True(allocated == 0, $"{name} at n={n} allocated {allocated} bytes in each of 5 windows of 60 steps");
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("imex-trapezoidal-adam")]
    [InlineData("test-rk4-gradient-flow")]
    public void Results_are_bit_identical_for_any_thread_count(string name)
    {
        const int n = 600_001; // above the parallel threshold, not a multiple of any vector width
        float[] Run(int threads)
        {
            var o = OptimizerRegistry.Create(name, n);
            o.GetType().GetProperty("MaxDegreeOfParallelism")!.SetValue(o, threads);
            var p = Start(n);
            for (int s = 0; s < 4; s++) o.Step(p, Quadratic);
            return p;
        }
        var one = Run(1);
        var all = Run(Environment.ProcessorCount);
        Assert.True(Environment.ProcessorCount > 1 ? n >= KernelSettings.ParallelThreshold : true);
        Assert.Equal(one, all);
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Save_then_load_then_continue_is_bit_identical(string name)
    {
        const int n = 57;
        var a = OptimizerRegistry.Create(name, n);
        var pa = Start(n);
        for (int s = 0; s < 7; s++) StepQuadratic(a, pa);
        var saved = State(a);
        var pb = (float[])pa.Clone();
        for (int s = 0; s < 5; s++) StepQuadratic(a, pa);

        var b = OptimizerRegistry.Create(name, n);
        b.LoadState(new MemoryStream(saved));
        Assert.Equal(7, b.StepCount);
        for (int s = 0; s < 5; s++) StepQuadratic(b, pb);
        Assert.Equal(pa, pb);
        var ia = new float[n]; var ib = new float[n];
        a.GetIterate(pa, ia);
        b.GetIterate(pb, ib);
        Assert.Equal(ia, ib);
    }

    [Fact]
    public void Bad_state_streams_throw_InvalidDataException_and_change_nothing()
    {
        const int n = 16;
        var source = new ImexTrapezoidalAdam(n) { LearningRate = 0.05f };
        var p = Start(n);
        for (int s = 0; s < 3; s++) source.Step(p, Quadratic);
        var good = State(source);

        var target = new ImexTrapezoidalAdam(n);
        var q = Start(n);
        for (int s = 0; s < 2; s++) target.Step(q, Quadratic);
        var before = State(target);

        void Rejects(byte[] data, string fragment)
        {
            var e = Assert.Throws<InvalidDataException>(() => target.LoadState(new MemoryStream(data)));
            Assert.Contains(fragment, e.Message);
            Assert.Equal(before, State(target));
        }

        Rejects(good.Take(good.Length - 9).ToArray(), "");
        Rejects(Array.Empty<byte>(), "truncated");
        for (int i = 0; i < good.Length; i += Math.Max(1, good.Length / 23))
        {
            var flipped = (byte[])good.Clone();
            flipped[i] ^= 0x10;
            Rejects(flipped, "");
        }
        var corrupted = (byte[])good.Clone();
        corrupted[corrupted.Length - 20] ^= 1;
        Rejects(corrupted, "checksum");
        Rejects(State(new Adam(n)), "adam");
        Rejects(State(new ImexTrapezoidalAdam(n + 1)), "parameters");
        var newer = (byte[])good.Clone();
        newer[8] = 99;
        Rejects(newer, "version");

        target.LoadState(new MemoryStream(good));
        Assert.Equal(good, State(target));
        Assert.Equal(0.05f, target.LearningRate);
    }

    [Fact]
    public void Reset_starts_over()
    {
        var opt = new ImexTrapezoidalAdam(8);
        var p1 = Start(8);
        for (int s = 0; s < 5; s++) opt.Step(p1, Quadratic);
        opt.Reset();
        Assert.Equal(0, opt.StepCount);
        var p2 = Start(8);
        var fresh = new ImexTrapezoidalAdam(8);
        var p3 = Start(8);
        for (int s = 0; s < 5; s++) { opt.Step(p2, Quadratic); fresh.Step(p3, Quadratic); }
        Assert.Equal(p3, p2);
    }

    [Fact]
    public void The_registry_lists_and_creates_every_optimizer_in_loaded_assemblies()
    {
        var names = OptimizerRegistry.Names;
        foreach (var expected in new[] { "adam", "imex-trapezoidal-adam", "sgd", "test-rk4-gradient-flow", "test-look-ahead-momentum" })
            Assert.Contains(expected, names);
        var adam = OptimizerRegistry.Create("adam", 5);
        Assert.IsType<Adam>(adam);
        Assert.Equal(5, adam.ParameterCount);
        Assert.Same(Adam.StaticInfo, adam.Info);
        var e = Assert.Throws<ArgumentException>(() => OptimizerRegistry.Create("adamm", 5));
        Assert.Contains("imex-trapezoidal-adam", e.Message);
    }
}
